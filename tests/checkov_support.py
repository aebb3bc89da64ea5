"""checkov runs in the background while the other tests run (it is single-threaded and takes
~15 s; the machine has two cores). The session fixtures start it on each assembly as soon
as it is synthesized; tests/test_checkov.py waits for the results."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"

_runs: list[subprocess.Popen[str]] = []


def start_checkov(*outdirs: Path) -> None:
    if not CHECKOV.exists():
        return  # tests/test_checkov.py fails with the reason
    cmd = [str(CHECKOV), "--skip-download", "--framework", "cloudformation", "--output", "json"]
    for outdir in outdirs:
        cmd += ["--directory", str(outdir)]
    _runs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))


def checkov_reports() -> list[dict]:
    """Wait for every started run; one report per directory."""
    reports: list[dict] = []
    for run in _runs:
        stdout, stderr = run.communicate(timeout=600)
        documents = _json_documents(stdout)
        assert documents, stderr[-2000:]
        reports += documents
    return reports


def _json_documents(text: str) -> list[dict]:
    """checkov prints one JSON document per directory, one after the other."""
    decoder = json.JSONDecoder()
    documents: list[dict] = []
    index = 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        document, index = decoder.raw_decode(text, index)
        documents += document if isinstance(document, list) else [document]
    return documents
