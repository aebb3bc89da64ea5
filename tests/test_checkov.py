"""checkov (pinned, in its own virtualenv, offline) over every environment's templates.

Zero failed checks. A skip lives in the resource's Metadata with a written reason
(`cdk_constructs/checkov.py`), never as a global skip of a check. The runs were started in
the background by the session fixtures (tests/background.py).
"""

from __future__ import annotations

from tests.assembly import Assembly
from tests.background import CHECKOV, checkov_reports


def test_checkov_finds_no_failed_check(
    assemblies: dict[str, Assembly], karpenter: Assembly, pipeline: Assembly, pipeline_example: Assembly
) -> None:
    assert CHECKOV.exists(), "checkov is not installed: run `make setup`"
    reports = checkov_reports()
    assert len(reports) == len(assemblies) + 3, "one report per assembly (the environments, karpenter, the two pipelines)"
    failed = [(f["check_id"], f["file_path"], f["resource"]) for r in reports for f in r["results"]["failed_checks"]]
    assert failed == []
    assert sum(r["summary"]["passed"] for r in reports) > 500, "checkov checked the templates"
    for report in reports:
        for skipped in report["results"]["skipped_checks"]:
            assert len(skipped["check_result"].get("suppress_comment", "")) >= 40, skipped["check_id"]
