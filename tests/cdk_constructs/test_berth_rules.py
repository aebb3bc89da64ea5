"""berth's cdk-nag rules: a compliant and a non-compliant resource for each rule.

Each case builds a small stack of L1 resources and runs the pack on it directly
(`validate_scope`), so a rule is tested apart from the rest of the platform.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks as eks
from aws_cdk import aws_logs as logs

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
]


def _violations(build: Callable[[Stack], None]) -> set[str]:
    stack = Stack(App(), "RuleTest")
    build(stack)
    report = BerthChecks().validate_scope(stack)
    return {v.rule_name for v in report.violations}


def test_every_rule_has_cases() -> None:
    assert {rule.rule_id for rule in RULES} == {case[0] for case in CASES}


@pytest.mark.parametrize(("rule_id", "compliant", "non_compliant"), CASES, ids=[c[0] for c in CASES])
def test_rule(rule_id: str, compliant: Callable[[Stack], None], non_compliant: Callable[[Stack], None]) -> None:
    assert f"Berth-{rule_id}" not in _violations(compliant)
    assert f"Berth-{rule_id}" in _violations(non_compliant)


def test_rules_have_stable_ids_and_explanations() -> None:
    ids = [rule.rule_id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert len(rule.info) > 20
        assert len(rule.explanation) > 80
