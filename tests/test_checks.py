"""cdk-nag and berth's IAM rules over every environment's synthesized assembly.

Warnings do not fail synth, so the report is read here: zero findings of any level.
Acknowledgments must be finding-level where the rule has findings, on a resource (never a
Stack or the App), and carry a reason.
"""

from __future__ import annotations

from typing import Any

from tests.assembly import Assembly

# Rules whose acknowledgment may be rule-level: they have no finding-level form.
RULE_LEVEL_ONLY = {"AwsSolutions-EC23", "AwsSolutions-ECS2", "AwsSolutions-S1"}


def test_aws_solutions_runs_and_reports_no_findings(assembly: Assembly) -> None:
    reports = assembly.validation_report["pluginReports"]
    assert [r["pluginName"] for r in reports] == ["AwsSolutions"], "the pack ran"
    (report,) = reports
    assert report["conclusion"] == "success"
    assert report["violations"] == [], [(v["ruleName"], v["severity"]) for v in report["violations"]]


def test_acknowledgments_are_finding_level_on_resources_with_reasons(assembly: Assembly) -> None:
    acks = assembly.acknowledgments()
    assert acks, "the metadata records acknowledgments"
    for ack in acks:
        path = ack["path"]
        assert path.count("/") >= 2, f"acknowledged on a stack, not a resource: {path}"
        if ack["id"].startswith("AwsSolutions::"):
            rule = ack["id"].removeprefix("AwsSolutions::")
            assert "[" in rule or rule in RULE_LEVEL_ONLY, f"not finding-level: {rule} at {path}"
        assert len(ack["reason"]) >= 40, f"reason too thin: {ack}"


def test_every_acknowledgment_is_used(assembly: Assembly) -> None:
    """An acknowledgment that suppresses nothing hides nothing but misleads the reviewer."""
    (report,) = assembly.validation_report["pluginReports"]
    suppressed = {(v["acknowledgedId"], v["acknowledgedAt"]) for v in report["suppressedViolations"]}
    for ack in assembly.acknowledgments():
        if ack["id"].startswith("AwsSolutions::"):
            assert (ack["id"], ack["path"].lstrip("/")) in suppressed, ack


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
