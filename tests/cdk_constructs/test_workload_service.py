"""WorkloadService alone: a web service on Fargate, a worker on EC2 with Exec, scaling."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from cdk_constructs.egress import EgressRule
from cdk_constructs.load_balancer import LoadBalancerProps
from cdk_constructs.task_definition import WorkloadTaskDefinition
from cdk_constructs.workload_service import AutoscalingProps, CapacityShare, ServiceProps, WorkloadService
from tests.cdk_constructs.support import bare, task_props


def _service(props: ServiceProps, *, on_ec2: bool = False) -> Template:
    return _build(props, on_ec2=on_ec2)[0]


def _build(props: ServiceProps, *, on_ec2: bool = False) -> tuple[Template, WorkloadService]:
    b = bare()
    cluster = b.cluster()
    capacity = b.capacity(cluster, instance_type="m7i.large", architecture="x86_64")
    task = WorkloadTaskDefinition(
        b.stack,
        "Task",
        workload=props.name,
        props=task_props(),
        fargate=not on_ec2,
        key=b.key,
        removal_policy=RemovalPolicy.DESTROY,
        enable_exec=props.enable_execute_command,
    )
    service = WorkloadService(
        b.stack,
        "Service",
        props=props,
        environment="test",
        cluster=cluster,
        ec2_provider=capacity.capacity_provider,
        task=task,
        alarm_topic=b.topic,
        cluster_exec_logs=logs.LogGroup(b.stack, "ExecLogs"),
        key=b.key,
        removal_policy=RemovalPolicy.DESTROY,
    )
    return b.template(), service


SCALE = AutoscalingProps(min_tasks=1, max_tasks=4)


def test_a_web_service_has_a_load_balancer_circuit_breaker_and_alarm_rollback() -> None:
    props = ServiceProps(
        name="web",
        desired_count=2,
        autoscaling=SCALE,
        capacity_provider_strategy=(CapacityShare(provider="FARGATE", base=1),),
        load_balancer=LoadBalancerProps(waf=False),
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
