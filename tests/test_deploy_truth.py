"""The seven defects that passed every check on main (issue 10), each held by a test here.

Each test reads the synthesized templates as CloudFormation and the AWS services will: a
topic policy that replaces SNS's default, a DeletionPolicy honoured on a failed create, an
instance refresh that must exist for a new AMI to reach running instances, a mount the ECS
agent also makes. Defect 5 (Auto Mode with Fargate profiles) is refused in config
(tests/config/test_eks_validation.py) and by rule Berth-DR4; defects 3 and 4 (principals
and service-linked roles that must exist in the account) are `make preflight` and
`make bootstrap` (tests/tools/).
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms

from cdk_constructs.task_definition import EXEC_AGENT_PATHS, WorkloadTaskDefinition
from config import load_config
from config.container_models import TaskConfig
from stacks.context import project_context
from stacks.platform import build_app
from stacks.props import task_props
from tests.assembly import Assembly
from tests.nag_support import assert_no_findings


def _only(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    ((name, value),) = resources.items()
    return name, value


# --- 1. alarm notifications reach the topic -----------------------------------------------


def test_alarm_topic_policy_lets_this_accounts_alarms_publish(assembly: Assembly, env: str) -> None:
    account = load_config(env).account
    topic, _ = _only(assembly.resources("ecs", "AWS::SNS::Topic"))
    _, policy = _only(assembly.resources("ecs", "AWS::SNS::TopicPolicy"))
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Resource"] == {"Ref": topic}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
    source = allow["Condition"]["ArnLike"]["aws:SourceArn"]
    alarms = assembly.resources("ecs", "AWS::CloudWatch::Alarm").values()
    assert alarms
    for alarm in alarms:
        arn = f"arn:aws:cloudwatch:eu-west-1:{account}:alarm:{alarm['Properties']['AlarmName']}"
        assert fnmatch.fnmatchcase(arn, source), f"{arn} is not allowed by {source}"


# --- 2. a failed first create can be retried ----------------------------------------------


def test_nothing_is_retained_by_the_rollback_of_a_failed_create(assembly: Assembly) -> None:
    retained = 0
    for stack in assembly.stack_names:
        for name, resource in assembly.template_json(stack)["Resources"].items():
            assert resource.get("DeletionPolicy") != "Retain", f"{stack}/{name} survives a failed create"
            retained += resource.get("DeletionPolicy") == "RetainExceptOnCreate"
    assert retained, "the environment retains something (the ALB log bucket at least)"


def test_prod_retains_its_named_cluster_and_log_groups_except_on_create(prod: Assembly) -> None:
    named = {
        ("eks", "AWS::EKS::Cluster", "Name"): "berth-prod",
        ("eks", "AWS::Logs::LogGroup", "LogGroupName"): "/aws/eks/berth-prod/cluster",
        ("ecs", "AWS::Logs::LogGroup", "LogGroupName"): "aws-waf-logs-berth-prod-web",
    }
    for (suffix, type_, prop), value in named.items():
        (resource,) = [r for r in prod.resources(suffix, type_).values() if r["Properties"].get(prop) == value]
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate", value
        assert resource["UpdateReplacePolicy"] == "Retain", value


@pytest.fixture(scope="session")
def first_deploy(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """prod as `make first-deploy` creates it first."""
    outdir = tmp_path_factory.mktemp("cdk-prod-first-deploy")
    build_app(load_config("prod"), outdir=str(outdir), context=project_context(), first_deploy=True).synth()
    return Assembly(outdir)


def _deletion_protection(assembly: Assembly) -> set[str]:
    """Every load balancer's and the EKS cluster's deletion protection."""
    balancers = {
        attribute["Value"]
        for lb in assembly.resources("ecs", "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
        for attribute in lb["Properties"]["LoadBalancerAttributes"]
        if attribute["Key"] == "deletion_protection.enabled"
    }
    clusters = {str(c["Properties"]["DeletionProtection"]).lower() for c in assembly.resources("eks", "AWS::EKS::Cluster").values()}
    return balancers | clusters


def test_first_deploy_protects_nothing_that_would_block_its_rollback(first_deploy: Assembly, prod: Assembly) -> None:
    assert _deletion_protection(prod) == {"true"}
    assert _deletion_protection(first_deploy) == {"false"}
    for stack in prod.stack_names:
        assert prod.manifest["artifacts"][stack]["properties"].get("terminationProtection") is True
        assert first_deploy.manifest["artifacts"][stack]["properties"].get("terminationProtection") is not True
    assert_no_findings(first_deploy)


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _differences(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}/{i}")]
    return [] if a == b else [f"{path}: {a!r} -> {b!r}"]


def test_first_deploy_changes_only_the_protections(first_deploy: Assembly, prod: Assembly) -> None:
    changes = [d for stack in prod.stack_names for d in _differences(prod.template_json(stack), first_deploy.template_json(stack))]
    assert changes
    for change in changes:
        assert "/LoadBalancerAttributes/" in change or "/DeletionProtection:" in change, change
        assert change.endswith(("'true' -> 'false'", "True -> False")), change
    assert any("/DeletionProtection:" in change for change in changes), "the EKS cluster is unprotected too"


# --- 6. container instances follow their launch template ----------------------------------


def test_a_launch_template_change_refreshes_the_running_instances(assembly: Assembly) -> None:
    """Every capacity group: its own refresh, on its own template's version."""
    refreshes = [r for r in assembly.resources("ecs", "Custom::AWS").values() if "StartInstanceRefresh" in json.dumps(r)]
    groups = assembly.resources("ecs", "AWS::AutoScaling::AutoScalingGroup")
    assert len(refreshes) == len(groups)
    for group in groups:
        prefix = group.split("Group")[0]
        (template,) = [t for t in assembly.resources("ecs", "AWS::EC2::LaunchTemplate") if t.startswith(f"{prefix}LaunchTemplate")]
        (refresh,) = [r for r in refreshes if {"Ref": group} in r["Properties"]["Update"]["Fn::Join"][1]]
        props = refresh["Properties"]
        assert props["LaunchTemplateVersion"] == {"Fn::GetAtt": [template, "LatestVersionNumber"]}
        update = json.dumps(props["Update"])
        for preference in ('\\"ScaleInProtectedInstances\\":\\"Refresh\\"', '\\"MinHealthyPercentage\\":100', '\\"SkipMatching\\":true'):
            assert preference in update
        assert "DescribeInstanceRefreshes" in json.dumps(props["Create"]), "nothing is refreshed on create"
        assert "Delete" not in props


def test_dev_still_tracks_the_latest_ami(dev: Assembly) -> None:
    """The refresh matters most where the AMI moves on its own."""
    parameters = dev.template_json(dev.stack("ecs"))["Parameters"]
    assert any(p["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" for p in parameters.values())


# --- 7. ECS Exec with a read-only root on EC2 -----------------------------------------------


def _task_mounts(tmp_path: Path, *, fargate: bool) -> list[str]:
    """One WorkloadTaskDefinition with Exec on, alone in a stack."""
    app = App(outdir=str(tmp_path), context=project_context())
    stack = Stack(app, "Task", env={"account": "111111111111", "region": "eu-west-1"})
    task = load_config("dev").ecs.services[1].task  # the worker: arm64, EC2 in dev
    assert isinstance(task, TaskConfig)
    WorkloadTaskDefinition(
        stack,
        "Worker",
        workload="worker",
        props=task_props(task, environment="dev"),
        fargate=fargate,
        key=kms.Key(stack, "Key"),
        removal_policy=RemovalPolicy.DESTROY,
        enable_exec=True,
    )
    template = app.synth().get_stack_by_name("Task").template
    (definition,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition"]
    (container,) = definition["Properties"]["ContainerDefinitions"]
    assert container["ReadonlyRootFilesystem"] is True
    return sorted(m["ContainerPath"] for m in container["MountPoints"])


def test_exec_on_ec2_leaves_the_ssm_log_path_to_the_ecs_agent(tmp_path: Path) -> None:
    assert _task_mounts(tmp_path / "ec2", fargate=False) == ["/managed-agents", "/var/lib/amazon/ssm"]


def test_exec_on_fargate_mounts_every_agent_path(tmp_path: Path) -> None:
    assert _task_mounts(tmp_path / "fargate", fargate=True) == sorted(EXEC_AGENT_PATHS)
