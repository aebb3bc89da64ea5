"""A long-running ECS service with the deployment safety nets and scaling a team expects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_servicediscovery as servicediscovery
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, acknowledge_managed_policy, default_policy, nag_ref
from cdk_constructs.egress import EgressRule, workload_security_group
from cdk_constructs.errors import ConstructError
from cdk_constructs.load_balancer import ApplicationIngress, LoadBalancerProps
from cdk_constructs.principals import own_arn
from cdk_constructs.service_alarms import ServiceAlarms
from cdk_constructs.task_definition import WorkloadTaskDefinition
from cdk_constructs.work_queue import scale_on_backlog

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


@dataclass(frozen=True, kw_only=True)
class CapacityShare:
    """One entry of a capacity-provider strategy: "FARGATE", "FARGATE_SPOT", or the name of
    one of the Auto Scaling group providers given to the construct as `ec2_providers`."""

    provider: str
    base: int = 0
    weight: int = 1


@dataclass(frozen=True, kw_only=True)
class AutoscalingProps:
    """Task-count scaling: target tracking on each metric given (`backlog_per_task`: messages
    per running task of the `queue` the service is given), and scheduled ranges (name, cron
    expression, min, max)."""

    min_tasks: int
    max_tasks: int
    cpu_target_percent: int | None = 70
    memory_target_percent: int | None = 80
    requests_per_target: int | None = None
    backlog_per_task: int | None = None
    schedules: tuple[tuple[str, str, int, int], ...] = ()


@dataclass(frozen=True, kw_only=True)
class DeploymentProps:
    """How a new task definition reaches production: ECS's own deployment strategies
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html).
    ROLLING replaces tasks in place; BLUE_GREEN starts the new revision beside the old, moves
    all traffic at once and keeps the old for `bake_minutes`; CANARY moves `percent` first,
    then the rest after `step_bake_minutes`; LINEAR moves `percent` at a time. The last three
    shift traffic by rewriting the service's listener rule between two target groups, so
    CANARY and LINEAR need a `route`; BLUE_GREEN needs a route or no load balancer. With
    `test_traffic_header`, requests carrying the header `X-Berth-Test: green` reach the new
    revision before any production traffic does (a test listener rule, one priority ahead
    of the route's)."""

    strategy: Literal["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"] = "ROLLING"
    bake_minutes: int = 5
    percent: float = 10.0
    step_bake_minutes: int = 5
    test_traffic_header: bool = False


TEST_HEADER = ("X-Berth-Test", "green")


@dataclass(frozen=True, kw_only=True)
class ConnectProps:
    """Service Connect in the namespace passed as `namespace`
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect.html): the
    service reaches the others by name through the proxy ECS runs in its tasks and, with
    `serve`, answers at <name>:<port> itself. Callers are admitted one by one
    (`allow_calls_from`); the proxy's access logs go to the task's log group."""

    serve: bool = False
    access_logs: bool = True


@dataclass(frozen=True, kw_only=True)
class RouteProps:
    """A listener rule on a shared load balancer: requests for any of `hosts` (when given) and
    any of `paths` (when given) go to this service; rules are evaluated by `priority`, lowest
    first."""

    priority: int
    hosts: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ServiceProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `name` | (required) | the service's name (a literal: alarms name it without a reference) |
    | `desired_count` | (required) | tasks at the first deploy |
    | `autoscaling` | (required) | `AutoscalingProps` |
    | `capacity_provider_strategy` | (required) | `CapacityShare`s: Fargate and Fargate Spot, or EC2 alone |
    | `load_balancer` | None | `LoadBalancerProps`: a public ALB of its own in front (a web service) |
    | `route` | None | `RouteProps`: a listener rule on the shared load balancer passed as `shared_ingress` instead |
    | `deployment` | rolling | `DeploymentProps`: rolling, blue/green, canary or linear |
    | `connect` | None | `ConnectProps`: Service Connect (needs `namespace`) |
    | `health_check_path` | "/health" | the target group's health check (web services) |
    | `enable_execute_command` | False | ECS Exec for this service |
    | `egress` | () | what the tasks call besides AWS's APIs (`EgressRule`s: a database, another service) |
    | `open_egress_reason` | None | all egress allowed, for this reason (acknowledges Berth-SG1); None: HTTPS to AWS and `egress` only |
    """

    name: str
    desired_count: int
    autoscaling: AutoscalingProps
    capacity_provider_strategy: tuple[CapacityShare, ...]
    load_balancer: LoadBalancerProps | None = None
    route: RouteProps | None = None
    deployment: DeploymentProps = DeploymentProps()
    connect: ConnectProps | None = None
    health_check_path: str = "/health"
    enable_execute_command: bool = False
    egress: tuple[EgressRule, ...] = ()
    open_egress_reason: str | None = None

    @property
    def on_ec2(self) -> bool:
        return any(share.provider not in FARGATE_PROVIDERS for share in self.capacity_provider_strategy)


def capacity_provider_strategies(
    scope: Construct, items: tuple[CapacityShare, ...], ec2_providers: Mapping[str, ecs.AsgCapacityProvider]
) -> list[ecs.CapacityProviderStrategy]:
    """Provider names to CDK strategies: Fargate's by name, the others through `ec2_providers`
    (name -> the Auto Scaling group provider)."""
    unknown = [i.provider for i in items if i.provider not in FARGATE_PROVIDERS and i.provider not in ec2_providers]
    if unknown:
        raise ConstructError(scope, f"no capacity provider {', '.join(unknown)} among ec2_providers ({', '.join(ec2_providers) or 'none'})")
    return [
        ecs.CapacityProviderStrategy(
            capacity_provider=item.provider if item.provider in FARGATE_PROVIDERS else ec2_providers[item.provider].capacity_provider_name,
            base=item.base or None,
            weight=item.weight,
        )
        for item in items
    ]


class WorkloadService(Construct):
    """Circuit breaker with rollback, alarm-based rollback, 100/200 % deployments, capacity
    providers as given, AZ spread then memory binpack on EC2, target-tracking and
    scheduled scaling, and (for web services) a public ALB of its own in front, or a
    listener rule on a shared one (`shared_ingress`). A shared load balancer's own 5xx
    answers are not this service's alarms: they are the ingress's.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: ServiceProps,
        environment: str,
        cluster: ecs.Cluster,
        ec2_providers: Mapping[str, ecs.AsgCapacityProvider],
        task: WorkloadTaskDefinition,
        alarm_topic: sns.ITopic,
        cluster_exec_logs: logs.ILogGroup,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        shared_ingress: ApplicationIngress | None = None,
        zone: route53.IHostedZone | None = None,
        queue: sqs.IQueue | None = None,
        namespace: servicediscovery.INamespace | None = None,
    ) -> None:
        """`ec2_providers`: the Auto Scaling group providers the strategy may name, by name.
        `queue`: the work queue the tasks consume (receive, delete, change visibility; its
        URL in the container's QUEUE_URL), and scale on with `autoscaling.backlog_per_task`."""
        super().__init__(scope, construct_id)
        problem = _inconsistency(props, task=task, shared_ingress=shared_ingress, queue=queue, namespace=namespace)
        if problem:
            raise ConstructError(self, problem)
        self.port = task.props.port
        name = f"berth-{environment}-{props.name}"  # load balancer, WAF and alarm names
        self.name = props.name
        self.security_group = workload_security_group(
            self,
            "SecurityGroup",
            vpc=cluster.vpc,
            description=f"{props.name} tasks",
            rules=props.egress,
            open_egress_reason=props.open_egress_reason,
        )
        common = {
            "cluster": cluster,
            "task_definition": task.task_definition,
            # A literal name: alarms can then name the service without referencing it.
            "service_name": props.name,
            "desired_count": props.desired_count,
            "min_healthy_percent": 100,
            "max_healthy_percent": 200,
            "circuit_breaker": ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            "capacity_provider_strategies": capacity_provider_strategies(self, props.capacity_provider_strategy, ec2_providers),
            "vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            "security_groups": [self.security_group],
            "enable_execute_command": props.enable_execute_command,
            "propagate_tags": ecs.PropagatedTagSource.SERVICE,
            "enable_ecs_managed_tags": True,
            **_strategy(props.deployment),
        }
        if props.connect is not None and namespace is not None:
            common["service_connect_configuration"] = _connect(props, namespace, task)
        if props.on_ec2:
            self.service: ecs.BaseService = ecs.Ec2Service(
                self,
                "Service",
                placement_strategies=[
                    ecs.PlacementStrategy.spread_across(ecs.BuiltInAttributes.AVAILABILITY_ZONE),
                    ecs.PlacementStrategy.packed_by_memory(),
                ],
                **common,
            )
        else:
            self.service = ecs.FargateService(self, "Service", assign_public_ip=False, **common)

        shifts = props.deployment.strategy != "ROLLING"
        self.load_balancer: ApplicationIngress | None = None
        target_group: elbv2.ApplicationTargetGroup | None = None
        web = props.load_balancer is not None or props.route is not None
        targets = (
            {
                "port": task.props.port,
                "protocol": elbv2.ApplicationProtocol.HTTP,
                "targets": [self.service.load_balancer_target(container_name=task.container_name, container_port=task.props.port)],
                "health_check": elbv2.HealthCheck(path=props.health_check_path, healthy_threshold_count=2, interval=Duration.seconds(15)),
                "deregistration_delay": Duration.seconds(30),
            }
            if web
            else {}
        )
        if props.load_balancer is not None:
            self.load_balancer = ApplicationIngress(
                self,
                "Ingress",
                name=name,
                vpc=cluster.vpc,
                props=props.load_balancer,
                key=key,
                removal_policy=removal_policy,
                zone=zone,
            )
            target_group = self.load_balancer.listener.add_targets("Targets", **targets)
        elif props.route is not None and shared_ingress is not None:
            target_group = self._route(props, shared_ingress, cluster.vpc, task, targets, shifts=shifts)

        self.target_group = target_group
        self.alarms = ServiceAlarms(
            self,
            "Alarms",
            alarm_prefix=name,
            cluster_name=cluster.cluster_name,
            service_name=props.name,
            topic=alarm_topic,
            target_group=target_group,
            load_balancer=self.load_balancer.load_balancer if self.load_balancer else None,
        )
        # Literal alarm names plus an explicit dependency: the alarms exist before the service
        # that watches them, and no reference ties the service's name back to them.
        self.service.enable_deployment_alarms(self.alarms.deployment_alarm_names, behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM)
        for alarm in self.alarms.deployment_alarms:
            self.service.node.add_dependency(alarm)
        scaling = self._autoscale(props.autoscaling, target_group)
        if queue is not None:
            self._consume(queue, task=task, scaling=scaling, cluster_name=cluster.cluster_name, props=props, alarm_prefix=name)
        if props.enable_execute_command:
            self._acknowledge_exec(task, cluster_exec_logs)

    def allow_calls_from(self, caller: WorkloadService) -> None:
        """`caller`'s tasks may reach this service's tasks on its port (Service Connect), and nothing else may."""
        assert self.port is not None
        port = ec2.Port.tcp(self.port)
        self.security_group.add_ingress_rule(caller.security_group, port, f"Service Connect from {caller.name}")
        caller.security_group.add_egress_rule(self.security_group, port, f"Service Connect to {self.name}")

    def _route(
        self,
        props: ServiceProps,
        ingress: ApplicationIngress,
        vpc: ec2.IVpc,
        task: WorkloadTaskDefinition,
        targets: dict,
        *,
        shifts: bool,
    ) -> elbv2.ApplicationTargetGroup:
        """The service's listener rule; for a blue/green, canary or linear deployment also the
        alternate ("green") target group and the role ECS rewrites the rule with."""
        assert props.route is not None
        conditions = []
        if props.route.hosts:
            conditions.append(elbv2.ListenerCondition.host_headers(list(props.route.hosts)))
        if props.route.paths:
            conditions.append(elbv2.ListenerCondition.path_patterns(list(props.route.paths)))
        if not shifts:
            group = elbv2.ApplicationTargetGroup(self, "Targets", vpc=vpc, **targets)
            elbv2.ApplicationListenerRule(
                self, "Route", listener=ingress.listener, priority=props.route.priority, conditions=conditions, target_groups=[group]
            )
            return group
        settings = {k: v for k, v in targets.items() if k != "targets"}
        blue = elbv2.ApplicationTargetGroup(self, "Targets", vpc=vpc, target_type=elbv2.TargetType.IP, **settings)
        green = elbv2.ApplicationTargetGroup(self, "AlternateTargets", vpc=vpc, target_type=elbv2.TargetType.IP, **settings)
        rule = elbv2.ApplicationListenerRule(
            self, "Route", listener=ingress.listener, priority=props.route.priority, conditions=conditions, target_groups=[blue]
        )
        test = None
        if props.deployment.test_traffic_header:
            test = elbv2.ApplicationListenerRule(
                self,
                "TestRoute",
                listener=ingress.listener,
                priority=props.route.priority - 1,
                conditions=[*conditions, elbv2.ListenerCondition.http_header(TEST_HEADER[0], [TEST_HEADER[1]])],
                target_groups=[blue],
            )
        # ECS's infrastructure role for load balancers, as AWS documents it: trust in
        # ecs.amazonaws.com (the page gives no condition keys for it) and AWS's managed policy
        # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html).
        policy = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
        role = iam.Role(
            self,
            "DeploymentRole",
            assumed_by=iam.ServicePrincipal("ecs.amazonaws.com"),
            description=f"{props.name}: ECS shifts traffic between the service's target groups during a deployment",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(policy)],
        )
        acknowledge_managed_policy(
            role,
            policy,
            "AWS's policy for ECS blue/green, canary and linear deployments: ECS rewrites the service's listener rule "
            "and registers tasks in its two target groups; AWS maintains it as those APIs change.",
        )
        target = self.service.load_balancer_target(
            container_name=task.container_name,
            container_port=task.props.port,
            alternate_target=ecs.AlternateTarget(
                "Alternate",
                role=role,
                alternate_target_group=green,
                production_listener=ecs.ListenerRuleConfiguration.application_listener_rule(rule),
                test_listener=ecs.ListenerRuleConfiguration.application_listener_rule(test) if test else None,
            ),
        )
        target.attach_to_application_target_group(blue)
        return blue

    @staticmethod
    def _consume(
        queue: sqs.IQueue,
        *,
        task: WorkloadTaskDefinition,
        scaling: ecs.ScalableTaskCount,
        cluster_name: str,
        props: ServiceProps,
        alarm_prefix: str,
    ) -> None:
        """The tasks receive and delete the queue's messages (its URL in QUEUE_URL); scaling on its backlog."""
        queue.grant_consume_messages(task.task_role)
        task.add_environment("QUEUE_URL", queue.queue_url)
        if props.autoscaling.backlog_per_task is not None:
            target = scaling.node.find_child("Target")
            assert isinstance(target, appscaling.ScalableTarget)
            scale_on_backlog(
                scaling,
                target=target,
                queue=queue,
                cluster_name=cluster_name,
                service_name=props.name,
                backlog_per_task=props.autoscaling.backlog_per_task,
                alarm_name=f"{alarm_prefix}-out-of-zero",
            )

    def _autoscale(self, scale: AutoscalingProps, target_group: elbv2.ApplicationTargetGroup | None) -> ecs.ScalableTaskCount:
        scaling = self.service.auto_scale_task_count(min_capacity=scale.min_tasks, max_capacity=scale.max_tasks)
        if scale.cpu_target_percent is not None:
            scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=scale.cpu_target_percent)
        if scale.memory_target_percent is not None:
            scaling.scale_on_memory_utilization("Memory", target_utilization_percent=scale.memory_target_percent)
        if scale.requests_per_target is not None and target_group is not None:
            scaling.scale_on_request_count("Requests", requests_per_target=scale.requests_per_target, target_group=target_group)
        for name, expression, min_tasks, max_tasks in scale.schedules:
            scaling.scale_on_schedule(
                name, schedule=appscaling.Schedule.expression(expression), min_capacity=min_tasks, max_capacity=max_tasks
            )
        return scaling

    @staticmethod
    def _acknowledge_exec(task: WorkloadTaskDefinition, exec_logs: logs.ILogGroup) -> None:
        policy = default_policy(task.task_role)
        if policy is None:
            return
        acknowledge(
            policy,
            f"IAM5[Resource::{own_arn(policy, 'logs', f'log-group:{nag_ref(exec_logs)}:*')}]",
            "ECS Exec session logs: log streams inside the cluster's one Exec log group, created per session.",
        )
        acknowledge(
            policy,
            "IAM5[Resource::*]",
            "ECS Exec (opted in for this service): ssmmessages channel actions and logs:DescribeLogGroups support no "
            "resource-level permissions; they are added by aws-cdk-lib only to services with Exec enabled.",
        )


def _strategy(deployment: DeploymentProps) -> dict:
    """The service's deployment-strategy properties (none for ROLLING: ECS's default)."""
    if deployment.strategy == "ROLLING":
        return {}
    shift = ecs.TrafficShiftConfig(step_percent=deployment.percent, step_bake_time=Duration.minutes(deployment.step_bake_minutes))
    return {
        "deployment_strategy": ecs.DeploymentStrategy[deployment.strategy],
        "bake_time": Duration.minutes(deployment.bake_minutes),
        **({"canary_configuration": shift} if deployment.strategy == "CANARY" else {}),
        **({"linear_configuration": shift} if deployment.strategy == "LINEAR" else {}),
    }


def _connect(props: ServiceProps, namespace: servicediscovery.INamespace, task: WorkloadTaskDefinition) -> ecs.ServiceConnectProps:
    assert props.connect is not None
    serves = (
        [ecs.ServiceConnectService(port_mapping_name="app", dns_name=props.name, port=task.props.port)] if props.connect.serve else None
    )
    return ecs.ServiceConnectProps(
        namespace=namespace.namespace_arn,
        services=serves,
        log_driver=ecs.LogDrivers.aws_logs(stream_prefix=f"{props.name}-connect", log_group=task.log_group),
        access_log_configuration=ecs.ServiceConnectAccessLogConfiguration(format=ecs.ServiceConnectAccessLogFormat.JSON)
        if props.connect.access_logs
        else None,
    )


def _inconsistency(
    props: ServiceProps,
    *,
    task: WorkloadTaskDefinition,
    shared_ingress: ApplicationIngress | None,
    queue: sqs.IQueue | None,
    namespace: servicediscovery.INamespace | None,
) -> str | None:
    """What the props ask that the arguments cannot give, in words; None when all fits."""
    strategy = props.deployment.strategy
    checks = (
        (props.connect is not None and namespace is None, "Service Connect needs the environment's namespace"),
        (props.connect is not None and props.connect.serve and task.props.port is None, "a Service Connect server needs a container port"),
        (props.autoscaling.backlog_per_task is not None and queue is None, "backlog_per_task needs the queue the service consumes"),
        (props.route is not None and shared_ingress is None, "a route needs the shared load balancer (shared_ingress)"),
        (
            props.route is not None and props.load_balancer is not None,
            "a service has its own load balancer or a route on a shared one, not both",
        ),
        (
            strategy != "ROLLING" and props.load_balancer is not None,
            f"{strategy} needs a route: a load balancer of the service's own has no listener rule to shift",
        ),
        (
            strategy in ("CANARY", "LINEAR") and props.route is None,
            f"{strategy} shifts traffic through a listener rule: it needs a route",
        ),
    )
    return next((message for failed, message in checks if failed), None)
