"""ScheduledTask alone: the schedule, a capacity-provider strategy instead of a launch type."""

from __future__ import annotations

from aws_cdk import RemovalPolicy

from cdk_constructs.scheduled_task import ScheduledTask, ScheduledTaskProps
from cdk_constructs.task_definition import WorkloadTaskDefinition
from cdk_constructs.workload_service import CapacityShare
from tests.cdk_constructs.support import bare, task_props


def _rule(props: ScheduledTaskProps) -> dict:
    b = bare()
    cluster = b.cluster()
    capacity = b.capacity(cluster)
    task = WorkloadTaskDefinition(
        b.stack, "Task", workload=props.name, props=task_props(), fargate=True, key=b.key, removal_policy=RemovalPolicy.DESTROY
    )
    ScheduledTask(b.stack, "Nightly", props=props, cluster=cluster, ec2_providers={"EC2": capacity.capacity_provider}, task=task)
    (rule,) = b.template().find_resources("AWS::Events::Rule").values()
    return rule["Properties"]


def test_fargate_spot_by_default_and_no_launch_type() -> None:
    rule = _rule(ScheduledTaskProps(name="report", schedule="cron(0 3 * * ? *)"))
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    parameters = rule["Targets"][0]["EcsParameters"]
    assert parameters["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
    assert "LaunchType" not in parameters


def test_a_base_on_fargate_is_kept() -> None:
    shares = (CapacityShare(provider="FARGATE", base=1), CapacityShare(provider="FARGATE_SPOT", weight=3))
    parameters = _rule(ScheduledTaskProps(name="report", schedule="rate(1 hour)", capacity_provider_strategy=shares))["Targets"][0][
        "EcsParameters"
    ]
    assert parameters["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Weight": 1, "Base": 1},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
    ]
