"""checkov (pinned, in its own virtualenv, offline) over every environment's templates.

Zero failed checks. A skip lives in the resource's Metadata with a written reason
(`cdk_constructs/checkov.py`), never as a global skip of a check.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.assembly import Assembly

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def test_checkov_finds_no_failed_check(assemblies: dict[str, Assembly], karpenter: Assembly) -> None:
    assert CHECKOV.exists(), "checkov is not installed: run `make setup`"
    outdirs = [a.outdir for a in (*assemblies.values(), karpenter)]
    cmd = [str(CHECKOV), "--skip-download", "--framework", "cloudformation", "--output", "json"]
    for outdir in outdirs:
        cmd += ["--directory", str(outdir)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    reports = _json_documents(result.stdout)
    assert reports, result.stderr[-2000:]
    failed = [(f["check_id"], f["file_path"], f["resource"]) for r in reports for f in r["results"]["failed_checks"]]
    assert failed == []
    passed = sum(r["summary"]["passed"] for r in reports)
    assert passed > 500, "checkov checked the templates"
    for report in reports:
        for skipped in report["results"]["skipped_checks"]:
            assert len(skipped["check_result"].get("suppress_comment", "")) >= 40, skipped["check_id"]


def _json_documents(text: str) -> list[dict]:
    """checkov prints one JSON document per directory, one after the other."""
    decoder = json.JSONDecoder()
    documents, index = [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        document, index = decoder.raw_decode(text, index)
        documents += document if isinstance(document, list) else [document]
    return documents
