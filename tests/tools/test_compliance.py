"""COMPLIANCE.md's rule names (its freshness: tests/test_generated.py)."""

from __future__ import annotations

from tools.compliance import normalize


def test_rule_ids_are_normalized() -> None:
    assert normalize("AwsSolutions::AwsSolutions-IAM5[Resource::*]") == ("AwsSolutions", "IAM5[Resource::*]")
    assert normalize("NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy") == ("NIST.800.53.R5", "IAMNoInlinePolicy")
    assert normalize("Berth::Berth-EKS1") == ("Berth", "EKS1")
    assert normalize("Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId") == ("CDK annotation", "@aws-cdk/aws-ec2:noSubnetRouteTableId")
