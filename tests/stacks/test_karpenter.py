"""Karpenter as the autoscaler: the AWS side its controller needs, and nothing more."""

from __future__ import annotations

import json
from typing import Any

from tests.assembly import Assembly
from tests.nag_support import assert_acknowledgments_finding_level_with_reasons, assert_every_acknowledgment_used, assert_no_findings


def _role_statements(assembly: Assembly, role_id: str) -> list[dict[str, Any]]:
    return [
        s
        for p in assembly.resources("eks", "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def _controller_role(assembly: Assembly) -> str:
    associations = [a["Properties"] for a in assembly.resources("eks", "AWS::EKS::PodIdentityAssociation").values()]
    (controller,) = [a for a in associations if (a["Namespace"], a["ServiceAccount"]) == ("kube-system", "karpenter")]
    return controller["RoleArn"]["Fn::GetAtt"][0]


def test_checks_are_clean(karpenter: Assembly) -> None:
    assert_no_findings(karpenter)
    assert_acknowledgments_finding_level_with_reasons(karpenter)
    assert_every_acknowledgment_used(karpenter)


def test_interruption_queue_encrypted_short_lived_fed_by_four_rules(karpenter: Assembly) -> None:
    (logical, queue) = next(iter(karpenter.resources("eks", "AWS::SQS::Queue").items()))
    (key_id,) = karpenter.resources("eks", "AWS::KMS::Key")
    assert queue["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert queue["Properties"]["MessageRetentionPeriod"] == 300
    rules = karpenter.resources("eks", "AWS::Events::Rule").values()
    assert {r["Properties"]["EventPattern"]["detail-type"][0] for r in rules} == {
        "AWS Health Event",
        "EC2 Spot Instance Interruption Warning",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
    }
    for rule in rules:
        assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [logical, "Arn"]}


def test_controller_deletes_only_what_this_cluster_owns(karpenter: Assembly) -> None:
    statements = {s["Sid"]: s for s in _role_statements(karpenter, _controller_role(karpenter)) if "Sid" in s}
    deletion = statements["AllowScopedDeletion"]
    assert deletion["Condition"]["StringEquals"] == {"aws:ResourceTag/kubernetes.io/cluster/berth-prod": "owned"}
    assert statements["AllowPassingInstanceRole"]["Condition"]["StringEquals"]["iam:PassedToService"] == [
        "ec2.amazonaws.com",
        "ec2.amazonaws.com.cn",
    ]
    assert statements["AllowRegionalReadActions"]["Condition"] == {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}


def test_nodes_join_through_an_ec2_linux_access_entry(karpenter: Assembly) -> None:
    entries = [e["Properties"] for e in karpenter.resources("eks", "AWS::EKS::AccessEntry").values()]
    (node_entry,) = [e for e in entries if e.get("Type") == "EC2_LINUX"]
    role_id = node_entry["PrincipalArn"]["Fn::GetAtt"][0]
    assert "AmazonEKSWorkerNodePolicy" in json.dumps(karpenter.resources("eks", "AWS::IAM::Role")[role_id])


def test_private_subnets_carry_the_discovery_tag(karpenter: Assembly) -> None:
    subnets = karpenter.resources("network", "AWS::EC2::Subnet").values()
    tagged = [s for s in subnets if {"Key": "karpenter.sh/discovery", "Value": "berth-prod"} in s["Properties"]["Tags"]]
    assert len(tagged) == 3
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is False for s in tagged)
