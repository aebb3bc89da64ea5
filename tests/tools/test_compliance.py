"""COMPLIANCE.md is what the assemblies say (run `make compliance` to refresh it)."""

from __future__ import annotations

from tests.assembly import Assembly
from tools.compliance import REPORT_PATH, normalize, render


def test_committed_compliance_report_is_current(assemblies: dict[str, Assembly]) -> None:
    expected = render({env: a.outdir for env, a in assemblies.items()})
    assert REPORT_PATH.read_text(encoding="utf-8") == expected, "COMPLIANCE.md is stale: run `make compliance`"


def test_rule_ids_are_normalized() -> None:
    assert normalize("AwsSolutions::AwsSolutions-IAM5[Resource::*]") == ("AwsSolutions", "IAM5[Resource::*]")
    assert normalize("NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy") == ("NIST.800.53.R5", "IAMNoInlinePolicy")
    assert normalize("Berth::Berth-EKS1") == ("Berth", "EKS1")
    assert normalize("Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId") == ("CDK annotation", "@aws-cdk/aws-ec2:noSubnetRouteTableId")
