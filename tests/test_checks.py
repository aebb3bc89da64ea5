"""cdk-nag and berth's IAM rules over every environment's synthesized assembly.

Warnings do not fail synth, so the report is read here: zero findings of any level.
Acknowledgments must be finding-level where the rule has findings, on a resource (never a
Stack or the App), and carry a reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2

from config import load_config
from stacks.context import project_context
from stacks.platform import build_app
from tests.assembly import Assembly
from tests.nag_support import assert_acknowledgments_finding_level_with_reasons, assert_every_acknowledgment_used, assert_no_findings


def test_no_findings_of_any_level(assembly: Assembly) -> None:
    assert_no_findings(assembly)


def test_acknowledgments_are_finding_level_on_resources_with_reasons(assembly: Assembly) -> None:
    assert_acknowledgments_finding_level_with_reasons(assembly)


def test_every_acknowledgment_is_used(assembly: Assembly) -> None:
    assert_every_acknowledgment_used(assembly)


def _identity_statements(assembly: Assembly) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for stack in assembly.stack_names:
        for name, resource in assembly.template_json(stack)["Resources"].items():
            if resource["Type"] == "AWS::IAM::Policy":
                out += [(name, s) for s in resource["Properties"]["PolicyDocument"]["Statement"]]
            if resource["Type"] == "AWS::IAM::Role":
                for policy in resource["Properties"].get("Policies", []):
                    out += [(name, s) for s in policy["PolicyDocument"]["Statement"]]
    return out


def test_no_identity_policy_grants_all_actions_or_a_whole_service(assembly: Assembly) -> None:
    for name, statement in _identity_statements(assembly):
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        for action in actions:
            assert action != "*", name
            assert not action.endswith(":*"), f"{name}: {action}"


def test_prefix_wildcard_actions_are_only_those_cdk_requires(assembly: Assembly) -> None:
    wildcards = set()
    for _, statement in _identity_statements(assembly):
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        wildcards |= {a for a in actions if "*" in a}
    assert wildcards <= {"ecs:Submit*"}, wildcards


def test_berth_pack_runs_on_every_synth(tmp_path: Path) -> None:
    """A launch template without IMDSv2, slipped into the real app, fails synth with Berth-EC21."""
    app = build_app(load_config("dev"), outdir=str(tmp_path), context=project_context())
    stack = app.node.find_child("berth-dev-ecs")
    ec2.CfnLaunchTemplate(stack, "Unsafe", launch_template_data={"instanceType": "m7g.large"})
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    berth = [r for r in report["pluginReports"] if r["pluginName"] == "Berth"]
    assert {v["ruleName"] for v in berth[0]["violations"]} == {"Berth-EC21", "Berth-EC22"}
