"""berth's cdk-nag rules: a compliant and a non-compliant resource for each rule.

Each case builds a small stack of L1 resources; all are synthesized together once (the
deploy-readiness rules read the written template) and the pack runs on each stack directly
(`validate_scope`), so a rule is tested apart from the rest of the platform.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnDeletionPolicy, CfnParameter, CfnResource, Stack, Stage
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_eks as eks
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from cdk_constructs.checks.pack import RULES, BerthChecks

ALL_LOGS = [{"type": t} for t in ("api", "audit", "authenticator", "controllerManager", "scheduler")]


def _cluster(stack: Stack, **overrides: Any) -> None:
    props: dict[str, Any] = {
        "name": "c1",
        "role_arn": "arn:aws:iam::111111111111:role/eks",
        "resources_vpc_config": {"subnetIds": ["subnet-1", "subnet-2"], "endpointPublicAccess": False, "endpointPrivateAccess": True},
        "logging": {"clusterLogging": {"enabledTypes": ALL_LOGS}},
        "encryption_config": [{"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:eu-west-1:111111111111:key/k"}}],
    }
    props.update(overrides)
    eks.CfnCluster(stack, "Cluster", **props)
    logs.CfnLogGroup(
        stack, "Logs", log_group_name="/aws/eks/c1/cluster", retention_in_days=30, kms_key_id="arn:aws:kms:eu-west-1:111111111111:key/k"
    )


def _launch_template(stack: Stack, *, tokens: str = "required", hops: int = 1, encrypted: bool | None = True) -> None:
    ebs = {"volumeSize": 20} if encrypted is None else {"volumeSize": 20, "encrypted": encrypted}
    ec2.CfnLaunchTemplate(
        stack,
        "LaunchTemplate",
        launch_template_data={
            "metadataOptions": {"httpTokens": tokens, "httpPutResponseHopLimit": hops},
            "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": ebs}],
        },
    )


def _nodegroup(stack: Stack, **overrides: Any) -> None:
    props: dict[str, Any] = {
        "cluster_name": "c1",
        "node_role": "arn:aws:iam::111111111111:role/node",
        "subnets": ["subnet-1"],
        "launch_template": {"id": "lt-123", "version": "1"},
    }
    props.update(overrides)
    eks.CfnNodegroup(stack, "Nodegroup", **{k: v for k, v in props.items() if v is not None})


TLS_ONLY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sns:Publish",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def _publish_allow(service: str, action: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"Service": service}, "Action": action, "Resource": "*"}


def _topic_with_alarm(stack: Stack, *, allow_cloudwatch: bool) -> None:
    """An alarm that notifies a topic whose policy holds the TLS deny (and, compliant, the allow)."""
    topic = sns.CfnTopic(stack, "Topic")
    statements = [TLS_ONLY, *([_publish_allow("cloudwatch.amazonaws.com", "sns:Publish")] if allow_cloudwatch else [])]
    sns.CfnTopicPolicy(stack, "Policy", topics=[topic.ref], policy_document={"Version": "2012-10-17", "Statement": statements})
    cloudwatch.CfnAlarm(
        stack, "Alarm", comparison_operator="GreaterThanThreshold", evaluation_periods=1, threshold=1, alarm_actions=[topic.ref]
    )


def _queue_with_rule(stack: Stack, *, policy: bool) -> None:
    queue = sqs.CfnQueue(stack, "Queue")
    events.CfnRule(
        stack, "Rule", event_pattern={"source": ["aws.ec2"]}, targets=[events.CfnRule.TargetProperty(id="q", arn=queue.attr_arn)]
    )
    if policy:
        document = {"Version": "2012-10-17", "Statement": [_publish_allow("events.amazonaws.com", "sqs:SendMessage")]}
        sqs.CfnQueuePolicy(stack, "Policy", queues=[queue.ref], policy_document=document)


def _named_log_group(stack: Stack, *, deletion: CfnDeletionPolicy) -> None:
    group = logs.CfnLogGroup(stack, "Named", log_group_name="/aws/eks/c1/cluster")
    group.cfn_options.deletion_policy = deletion


def _auto_mode_cluster_with_fargate(stack: Stack, *, auto_mode: bool) -> None:
    cluster = eks.CfnCluster(
        stack,
        "AutoCluster",
        name="c3",
        role_arn="arn:aws:iam::111111111111:role/eks",
        resources_vpc_config={"subnetIds": ["subnet-1"]},
        compute_config={"enabled": auto_mode, "nodePools": ["general-purpose"]} if auto_mode else None,
    )
    eks.CfnFargateProfile(
        stack,
        "Profile",
        cluster_name=cluster.ref,
        pod_execution_role_arn="arn:aws:iam::111111111111:role/pods",
        selectors=[eks.CfnFargateProfile.SelectorProperty(namespace="batch")],
    )


def _group_on_moving_ami(stack: Stack, *, refresh: bool) -> None:
    image = CfnParameter(
        stack, "Image", type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", default="/aws/service/ecs/optimized-ami/x/image_id"
    )
    lt = ec2.CfnLaunchTemplate(stack, "Template", launch_template_data={"imageId": image.value_as_string})
    group = autoscaling.CfnAutoScalingGroup(
        stack,
        "Group",
        max_size="2",
        min_size="1",
        launch_template=autoscaling.CfnAutoScalingGroup.LaunchTemplateSpecificationProperty(
            launch_template_id=lt.ref, version=lt.attr_latest_version_number
        ),
    )
    if refresh:
        CfnResource(
            stack,
            "Refresh",
            type="Custom::AWS",
            properties={
                "ServiceToken": "arn:aws:lambda:eu-west-1:111111111111:function:f",
                "Update": {"Fn::Join": ["", ['{"action":"StartInstanceRefresh","parameters":{"AutoScalingGroupName":"', group.ref, '"}}']]},
            },
        )


def _key_used_by_logs(stack: Stack, *, allow_logs: bool) -> None:
    root = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}
    logs_allow = {
        "Effect": "Allow",
        "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
    key = kms.CfnKey(stack, "Key", key_policy={"Version": "2012-10-17", "Statement": [root, *([logs_allow] if allow_logs else [])]})
    logs.CfnLogGroup(stack, "Encrypted", kms_key_id=key.attr_arn, retention_in_days=30)


def _key_used_by_group_volumes(stack: Stack, *, allow_role: bool) -> None:
    slr = "arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    statements = [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"},
        *(
            [{"Effect": "Allow", "Principal": {"AWS": slr}, "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*"}]
            if allow_role
            else []
        ),
    ]
    key = kms.CfnKey(stack, "Key", key_policy={"Version": "2012-10-17", "Statement": statements})
    lt = ec2.CfnLaunchTemplate(
        stack,
        "Template",
        launch_template_data={"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": True, "kmsKeyId": key.attr_arn}}]},
    )
    autoscaling.CfnAutoScalingGroup(
        stack,
        "Group",
        max_size="1",
        min_size="0",
        launch_template=autoscaling.CfnAutoScalingGroup.LaunchTemplateSpecificationProperty(launch_template_id=lt.ref, version="1"),
    )


def _task_definition(stack: Stack, *, compatibility: str, mount: str) -> None:
    ecs.CfnTaskDefinition(
        stack,
        "Task",
        requires_compatibilities=[compatibility],
        volumes=[{"name": "exec-log"}],
        container_definitions=[{"name": "app", "image": "app:1", "mountPoints": [{"containerPath": mount, "sourceVolume": "exec-log"}]}],
    )


def _security_group(stack: Stack, *, protocol: str) -> None:
    egress = [ec2.CfnSecurityGroup.EgressProperty(ip_protocol=protocol, cidr_ip="0.0.0.0/0", from_port=443, to_port=443)]
    ec2.CfnSecurityGroup(stack, "Group", group_description="tasks", vpc_id="vpc-1", security_group_egress=egress)


def _function_in_group(stack: Stack, *, port: int) -> None:
    egress = [ec2.CfnSecurityGroup.EgressProperty(ip_protocol="tcp", cidr_ip="10.0.0.0/16", from_port=port, to_port=port)]
    group = ec2.CfnSecurityGroup(stack, "Group", group_description="function", vpc_id="vpc-1", security_group_egress=egress)
    lambda_.CfnFunction(
        stack,
        "Function",
        role="arn:aws:iam::111111111111:role/f",
        code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(e, c): pass"),
        handler="index.handler",
        runtime="python3.12",
        vpc_config=lambda_.CfnFunction.VpcConfigProperty(security_group_ids=[group.attr_group_id], subnet_ids=["subnet-1"]),
    )


CASES: list[tuple[str, Callable[[Stack], None], Callable[[Stack], None]]] = [
    (
        "EKS1",
        lambda s: _cluster(
            s, resources_vpc_config={"subnetIds": ["a"], "endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}
        ),
        lambda s: _cluster(s, resources_vpc_config={"subnetIds": ["a"]}),  # EKS defaults to a public endpoint
    ),
    ("EKS2", _cluster, lambda s: _cluster(s, logging={"clusterLogging": {"enabledTypes": ALL_LOGS[:2]}})),
    ("EKS3", _cluster, lambda s: _cluster(s, encryption_config=None)),
    (
        "EKS4",
        _cluster,
        lambda s: eks.CfnCluster(s, "Cluster", name="c2", role_arn="arn:aws:iam::1:role/r", resources_vpc_config={"subnetIds": ["a"]}),
    ),
    ("EKS5", _nodegroup, lambda s: _nodegroup(s, launch_template=None)),
    ("EC21", _launch_template, lambda s: _launch_template(s, hops=2)),
    ("EC22", _launch_template, lambda s: _launch_template(s, encrypted=None)),
    ("SG1", lambda s: _security_group(s, protocol="tcp"), lambda s: _security_group(s, protocol="-1")),
    ("DR8", lambda s: _function_in_group(s, port=443), lambda s: _function_in_group(s, port=5432)),
    ("DR1", lambda s: _topic_with_alarm(s, allow_cloudwatch=True), lambda s: _topic_with_alarm(s, allow_cloudwatch=False)),
    ("DR2", lambda s: _queue_with_rule(s, policy=True), lambda s: _queue_with_rule(s, policy=False)),
    (
        "DR3",
        lambda s: _named_log_group(s, deletion=CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE),
        lambda s: _named_log_group(s, deletion=CfnDeletionPolicy.RETAIN),
    ),
    ("DR4", lambda s: _auto_mode_cluster_with_fargate(s, auto_mode=False), lambda s: _auto_mode_cluster_with_fargate(s, auto_mode=True)),
    ("DR5", lambda s: _group_on_moving_ami(s, refresh=True), lambda s: _group_on_moving_ami(s, refresh=False)),
    ("DR6", lambda s: _key_used_by_logs(s, allow_logs=True), lambda s: _key_used_by_logs(s, allow_logs=False)),
    (
        "DR6",
        lambda s: _key_used_by_group_volumes(s, allow_role=True),
        lambda s: _key_used_by_group_volumes(s, allow_role=False),
    ),
    (
        "DR7",
        lambda s: _task_definition(s, compatibility="FARGATE", mount="/var/log/amazon/ssm"),
        lambda s: _task_definition(s, compatibility="EC2", mount="/var/log/amazon/ssm"),
    ),
]


IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.fixture(scope="module")
def violations() -> dict[str, set[str]]:
    """Every case in a stack of its own, all in one app synthesized once (the template rules
    read the written templates): stack name -> the Berth rules it violates."""
    app = App()
    stacks = {}
    for case_id, (_, compliant, non_compliant) in zip(IDS, CASES, strict=True):
        for kind, build in (("ok", compliant), ("bad", non_compliant)):
            stacks[f"{case_id}-{kind}"] = stack = Stack(app, f"{case_id}-{kind}")
            build(stack)
    app.synth()
    pack = BerthChecks()
    return {name: {v.rule_name for v in pack.validate_scope(stack).violations} for name, stack in stacks.items()}


def test_every_rule_has_cases() -> None:
    assert {rule.rule_id for rule in RULES} == {case[0] for case in CASES}


@pytest.mark.parametrize(("case_id", "rule_id"), [(i, c[0]) for i, c in zip(IDS, CASES, strict=True)], ids=IDS)
def test_rule(violations: dict[str, set[str]], case_id: str, rule_id: str) -> None:
    assert f"Berth-{rule_id}" not in violations[f"{case_id}-ok"]
    assert f"Berth-{rule_id}" in violations[f"{case_id}-bad"]


def test_rules_have_stable_ids_and_explanations() -> None:
    ids = [rule.rule_id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert len(rule.info) > 20
        assert len(rule.explanation) > 80


def test_template_rules_read_a_staged_stack_from_its_stage_assembly(tmp_path: Path) -> None:
    """A stack inside a Stage (CDK Pipelines) is written to assembly-<stage>/: the rules find it."""
    app = App(outdir=str(tmp_path))
    stack = Stack(Stage(app, "Prod"), "Logs")
    _named_log_group(stack, deletion=CfnDeletionPolicy.RETAIN)
    app.synth()
    assert "Berth-DR3" in {v.rule_name for v in BerthChecks().validate_scope(stack).violations}
