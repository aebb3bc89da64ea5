"""Assertions over an assembly's cdk-nag results, shared by every test that synthesizes one."""

from __future__ import annotations

from tests.assembly import Assembly

# Rules whose acknowledgment may be rule-level: they have no finding-level form.
RULE_LEVEL_ONLY = {"AwsSolutions-EC23", "AwsSolutions-ECS2", "AwsSolutions-S1", "AwsSolutions-SQS3"}


def assert_no_findings(assembly: Assembly) -> None:
    """A pack appears in the report only with findings or acknowledgments; none may have findings."""
    reports = assembly.validation_report["pluginReports"]
    ran = {r["pluginName"] for r in reports}
    assert {"AwsSolutions", "NIST.800.53.R5", "HIPAA.Security"} <= ran, f"the three packs ran (each has acknowledged findings): {ran}"
    for report in reports:
        assert report["conclusion"] == "success", report["pluginName"]
        assert report["violations"] == [], [(v["ruleName"], v["severity"]) for v in report["violations"]]


def assert_acknowledgments_finding_level_with_reasons(assembly: Assembly) -> None:
    acks = assembly.acknowledgments()
    assert acks, "the metadata records acknowledgments"
    for ack in acks:
        path = ack["path"]
        assert path.count("/") >= 2, f"acknowledged on a stack, not a resource: {path}"
        if ack["id"].startswith("AwsSolutions::"):
            rule = ack["id"].removeprefix("AwsSolutions::")
            assert "[" in rule or rule in RULE_LEVEL_ONLY, f"not finding-level: {rule} at {path}"
        assert len(ack["reason"]) >= 40, f"reason too thin: {ack}"


def assert_every_acknowledgment_used(assembly: Assembly) -> None:
    """An acknowledgment that suppresses nothing hides nothing but misleads the reviewer."""
    reports = assembly.validation_report["pluginReports"]
    suppressed = {(v["acknowledgedId"], v["acknowledgedAt"]) for r in reports for v in r.get("suppressedViolations", [])}
    for ack in assembly.acknowledgments():
        if ack["id"].startswith(("AwsSolutions::", "NIST.800.53.R5::", "HIPAA.Security::", "Berth::")):
            assert (ack["id"], ack["path"].lstrip("/")) in suppressed, ack
