"""WorkloadService alone: a web service on Fargate, a worker on EC2 with Exec, scaling."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from aws_cdk import aws_servicediscovery as servicediscovery
from aws_cdk.assertions import Match, Template

from cdk_constructs.egress import EgressRule
from cdk_constructs.errors import ConstructError
from cdk_constructs.load_balancer import ApplicationIngress, LoadBalancerProps
from cdk_constructs.task_definition import WorkloadTaskDefinition
from cdk_constructs.workload_service import (
    AutoscalingProps,
    CapacityShare,
    ConnectProps,
    DeploymentProps,
    RouteProps,
    ServiceProps,
    WorkloadService,
    capacity_provider_strategies,
)
from tests.cdk_constructs.support import Bare, bare, task_props


def _service(props: ServiceProps, *, on_ec2: bool = False) -> Template:
    return _build(props, on_ec2=on_ec2)[0]


def _add(b: Bare, props: ServiceProps, *, prefix: str = "", on_ec2: bool = False, **extra: Any) -> WorkloadService:
    """`props`' task and service on `b`'s cluster (made once per stack), ids prefixed by `prefix`."""
    cluster = b.stack.node.try_find_child("Cluster") or b.cluster()
    capacity = b.stack.node.try_find_child("Capacity") or b.capacity(cluster, instance_type="m7i.large", architecture="x86_64")
    task = WorkloadTaskDefinition(
        b.stack,
        f"{prefix}Task",
        workload=props.name,
        props=task_props(),
        fargate=not on_ec2,
        key=b.key,
        removal_policy=RemovalPolicy.DESTROY,
        enable_exec=props.enable_execute_command,
    )
    return WorkloadService(
        b.stack,
        f"{prefix}Service",
        props=props,
        environment="test",
        cluster=cluster,
        ec2_providers={"EC2": capacity.capacity_provider},
        task=task,
        alarm_topic=b.topic,
        cluster_exec_logs=logs.LogGroup(b.stack, f"{prefix}ExecLogs"),
        key=b.key,
        removal_policy=RemovalPolicy.DESTROY,
        **extra,
    )


def _build(props: ServiceProps, *, on_ec2: bool = False) -> tuple[Template, WorkloadService]:
    b = bare()
    service = _add(b, props, on_ec2=on_ec2)
    return b.template(), service


SCALE = AutoscalingProps(min_tasks=1, max_tasks=4)


def test_a_web_service_has_a_load_balancer_circuit_breaker_and_alarm_rollback() -> None:
    props = ServiceProps(
        name="web",
        desired_count=2,
        autoscaling=SCALE,
        capacity_provider_strategy=(CapacityShare(provider="FARGATE", base=1),),
        load_balancer=LoadBalancerProps(plain_http=True, waf=False),
    )
    template = _service(props)
    template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "DeploymentConfiguration": Match.object_like(
                {
                    "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
                    "Alarms": Match.object_like({"Enable": True, "Rollback": True}),
                    "MinimumHealthyPercent": 100,
                    "MaximumPercent": 200,
                }
            ),
            "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1}],
            "LoadBalancers": [Match.object_like({"ContainerPort": 8080})],
        },
    )
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {"HealthCheckPath": "/health"})


def test_a_worker_on_ec2_with_exec_spreads_across_zones_then_binpacks() -> None:
    props = ServiceProps(
        name="worker",
        desired_count=1,
        autoscaling=SCALE,
        capacity_provider_strategy=(CapacityShare(provider="EC2"),),
        enable_execute_command=True,
    )
    template = _service(props, on_ec2=True)
    template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "EnableExecuteCommand": True,
            "PlacementStrategies": [{"Field": "attribute:ecs.availability-zone", "Type": "spread"}, {"Field": "MEMORY", "Type": "binpack"}],
            "LoadBalancers": [],
        },
    )
    template.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 0)


def test_a_strategy_names_ec2_providers_by_their_names_and_an_unknown_one_is_refused() -> None:
    b = bare()
    cluster = b.cluster()
    general = b.capacity(cluster, instance_type="m7i.large", architecture="x86_64")
    gpu = b.capacity(cluster, "Gpu", instance_type="g6.xlarge", architecture="x86_64", min_capacity=0, max_capacity=1, gpus=1)
    providers = {"EC2": general.capacity_provider, "gpu": gpu.capacity_provider}
    share = (CapacityShare(provider="gpu"),)
    strategies = capacity_provider_strategies(b.stack, share, providers)
    assert [s.capacity_provider for s in strategies] == [gpu.capacity_provider.capacity_provider_name]
    with pytest.raises(ConstructError, match=r"no capacity provider gpus among ec2_providers \(EC2, gpu\)"):
        capacity_provider_strategies(b.stack, (CapacityShare(provider="gpus"),), providers)
    assert ServiceProps(name="x", desired_count=1, autoscaling=SCALE, capacity_provider_strategy=share).on_ec2


def test_scheduled_scaling_and_no_memory_tracking_when_turned_off() -> None:
    scale = AutoscalingProps(min_tasks=1, max_tasks=4, memory_target_percent=None, schedules=(("night", "cron(0 22 * * ? *)", 0, 1),))
    props = ServiceProps(name="worker", desired_count=1, autoscaling=scale, capacity_provider_strategy=(CapacityShare(provider="FARGATE"),))
    template = _service(props)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 1)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ScheduledActions": [
                Match.object_like({"Schedule": "cron(0 22 * * ? *)", "ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 1}})
            ]
        },
    )


def _egress(template: Template) -> list[dict]:
    (group,) = [
        g for g in template.find_resources("AWS::EC2::SecurityGroup").values() if g["Properties"]["GroupDescription"] == "worker tasks"
    ]
    return group["Properties"]["SecurityGroupEgress"]


def test_tasks_may_reach_aws_over_https_and_only_what_they_declare() -> None:
    database = EgressRule(cidr="10.0.32.0/20", port=5432, description="orders database")
    props = ServiceProps(
        name="worker",
        desired_count=1,
        autoscaling=SCALE,
        capacity_provider_strategy=(CapacityShare(provider="FARGATE"),),
        egress=(database,),
    )
    rules = {(r["IpProtocol"], r["FromPort"], r["CidrIp"]) for r in _egress(_service(props))}
    assert rules == {("tcp", 443, "0.0.0.0/0"), ("tcp", 5432, "10.0.32.0/20")}


def test_open_egress_needs_a_reason_which_acknowledges_the_rule() -> None:
    reason = "Calls partner webhooks on arbitrary ports across the internet."
    props = ServiceProps(
        name="worker",
        desired_count=1,
        autoscaling=SCALE,
        capacity_provider_strategy=(CapacityShare(provider="FARGATE"),),
        open_egress_reason=reason,
    )
    template, service = _build(props)
    assert _egress(template) == [{"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}]
    acks = [m.data for m in service.security_group.node.metadata if m.type == "aws:cdk:acknowledged-rules"]
    assert {"Berth::Berth-SG1": reason} in acks


def _routed(route: RouteProps | None, *, shared: bool = True, deployment: DeploymentProps | None = None) -> Template:
    b = bare()
    ingress = ApplicationIngress(
        b.stack,
        "Shared",
        name="berth-test-public",
        vpc=b.vpc,
        props=LoadBalancerProps(certificate_arn="arn:aws:acm:eu-west-1:111111111111:certificate/abc", shared=True, waf=False),
        key=b.key,
        removal_policy=RemovalPolicy.DESTROY,
    )
    props = ServiceProps(
        name="api",
        desired_count=1,
        autoscaling=AutoscalingProps(min_tasks=1, max_tasks=4, requests_per_target=100),
        capacity_provider_strategy=(CapacityShare(provider="FARGATE"),),
        route=route,
        health_check_path="/ready",
        deployment=deployment or DeploymentProps(),
    )
    _add(b, props, shared_ingress=ingress if shared else None)
    return b.template()


def test_a_routed_service_is_a_listener_rule_on_the_shared_load_balancer() -> None:
    template = _routed(RouteProps(priority=5, hosts=("app.example.com",), paths=("/api/*",)))
    template.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 1)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "Priority": 5,
            "Conditions": [
                {"Field": "host-header", "HostHeaderConfig": {"Values": ["app.example.com"]}},
                {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}},
            ],
            "Actions": [Match.object_like({"Type": "forward"})],
        },
    )
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {"HealthCheckPath": "/ready", "TargetType": "ip"})
    # The tasks admit the shared load balancer's security group on the container port, nothing else.
    (ingress,) = template.find_resources("AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"]["FromPort"] == 8080
    assert "SourceSecurityGroupId" in ingress["Properties"]
    # Request-count scaling works through the shared load balancer; the LB-wide 5xx alarm is not the service's.
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {"PredefinedMetricSpecification": Match.object_like({"PredefinedMetricType": "ALBRequestCountPerTarget"})}
            )
        },
    )
    names = {a["Properties"]["AlarmName"] for a in template.find_resources("AWS::CloudWatch::Alarm").values()}
    assert "berth-test-api-target-5xx" in names
    assert "berth-test-api-alb-5xx" not in names


def test_a_route_without_the_shared_load_balancer_is_refused() -> None:
    with pytest.raises(ConstructError, match="needs the shared load balancer"):
        _routed(RouteProps(priority=5, paths=("/api/*",)), shared=False)


def test_a_canary_with_test_traffic_shifts_through_the_route_between_two_target_groups() -> None:
    deployment = DeploymentProps(strategy="CANARY", percent=10, step_bake_minutes=3, bake_minutes=7, test_traffic_header=True)
    template = _routed(RouteProps(priority=10, hosts=("app.example.com",)), deployment=deployment)
    (service,) = template.find_resources("AWS::ECS::Service").values()
    config = service["Properties"]["DeploymentConfiguration"]
    assert config["Strategy"] == "CANARY"
    assert config["BakeTimeInMinutes"] == 7
    assert config["CanaryConfiguration"] == {"CanaryPercent": 10, "CanaryBakeTimeInMinutes": 3}
    assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    (balancer,) = service["Properties"]["LoadBalancers"]
    advanced = balancer["AdvancedConfiguration"]
    assert {"AlternateTargetGroupArn", "ProductionListenerRule", "TestListenerRule", "RoleArn"} <= set(advanced)
    rules = {
        r["Properties"]["Priority"]: r["Properties"] for r in template.find_resources("AWS::ElasticLoadBalancingV2::ListenerRule").values()
    }
    assert sorted(rules) == [9, 10]
    assert {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Berth-Test", "Values": ["green"]}} in rules[9]["Conditions"]
    template.resource_count_is("AWS::ElasticLoadBalancingV2::TargetGroup", 2)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {"Statement": [Match.object_like({"Principal": {"Service": "ecs.amazonaws.com"}})]}
            ),
            "ManagedPolicyArns": [
                Match.object_like(
                    {
                        "Fn::Join": Match.array_with(
                            [Match.array_with([Match.string_like_regexp("AmazonECSInfrastructureRolePolicyForLoadBalancers")])]
                        )
                    }
                )
            ],
        },
    )


def test_rolling_is_the_default_and_sets_no_strategy() -> None:
    template = _routed(RouteProps(priority=10, hosts=("app.example.com",)))
    (service,) = template.find_resources("AWS::ECS::Service").values()
    assert "Strategy" not in service["Properties"]["DeploymentConfiguration"]
    template.resource_count_is("AWS::ElasticLoadBalancingV2::TargetGroup", 1)


def test_traffic_shifting_without_a_rule_to_shift_is_refused() -> None:
    with pytest.raises(ConstructError, match="LINEAR needs a route"):
        _service(
            ServiceProps(
                name="web",
                desired_count=1,
                autoscaling=SCALE,
                capacity_provider_strategy=(CapacityShare(provider="FARGATE"),),
                load_balancer=LoadBalancerProps(plain_http=True, waf=False),
                deployment=DeploymentProps(strategy="LINEAR"),
            )
        )


def test_service_connect_serves_by_name_and_admits_exactly_the_callers() -> None:
    b = bare()
    namespace = servicediscovery.HttpNamespace(b.stack, "Namespace", name="berth-test")
    built = {}
    for name, connect in (("ledger", ConnectProps(serve=True)), ("api", ConnectProps())):
        props = ServiceProps(
            name=name, desired_count=1, autoscaling=SCALE, capacity_provider_strategy=(CapacityShare(provider="FARGATE"),), connect=connect
        )
        built[name] = _add(b, props, prefix=name, namespace=namespace)
    built["ledger"].allow_calls_from(built["api"])
    template = b.template()
    configs = {
        s["Properties"]["ServiceName"]: s["Properties"]["ServiceConnectConfiguration"]
        for s in template.find_resources("AWS::ECS::Service").values()
    }
    assert configs["ledger"]["Services"] == [{"ClientAliases": [{"DnsName": "ledger", "Port": 8080}], "PortName": "app"}]
    assert "Services" not in configs["api"]
    assert configs["api"]["AccessLogConfiguration"]["Format"] == "JSON"
    (ingress,) = [r["Properties"] for r in template.find_resources("AWS::EC2::SecurityGroupIngress").values()]
    assert (ingress["FromPort"], ingress["Description"]) == (8080, "Service Connect from api")
    (egress,) = [
        r["Properties"]
        for r in template.find_resources("AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"].get("FromPort") == 8080
    ]
    assert egress["Description"] == "Service Connect to ledger"
