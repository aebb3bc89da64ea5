"""`make new-env`: a new environment from berth's template, with a VPC CIDR no other uses,
that validates and synthesizes as written; bad arguments are all reported, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from config import load_config
from config.loader import ENVIRONMENTS_DIR, available_environments
from stacks.context import project_context
from tests.assembly import Assembly
from tests.background import clean_env
from tests.nag_support import assert_no_findings
from tools.new_env import free_cidr, main, used_cidrs

ROOT = Path(__file__).resolve().parents[2]


def test_a_new_environment_validates_with_a_cidr_of_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--name", "staging", "--account", "555555555555", "--region", "eu-central-1", "--directory", str(tmp_path)]) == 0
    written = tmp_path / "staging.yaml"
    config = load_config(config_path=str(written))
    assert (config.name, config.account, config.region) == ("staging", "555555555555", "eu-central-1")
    assert config.availability_zones == ("eu-central-1a", "eu-central-1b", "eu-central-1c")
    assert config.network.nat_gateways == 3, "one per zone: reliable by default"
    assert config.tags.environment == "staging"
    shipped = [load_config(e).network.cidr for e in available_environments()]
    assert not any(config.network.cidr.overlaps(c) for c in shipped)
    assert "EDIT" in written.read_text()
    assert "make synth ENV=staging" in capsys.readouterr().out


def test_bad_arguments_are_all_reported_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--name", "Staging!", "--account", "44", "--region", "mars-1", "--directory", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "NAME: 'Staging!'" in error
    assert "ACCOUNT: '44' is not a 12-digit AWS account id" in error
    assert "REGION: 'mars-1' is not a region berth knows" in error
    assert list(tmp_path.iterdir()) == []


def test_an_existing_environment_is_not_overwritten(capsys: pytest.CaptureFixture[str]) -> None:
    before = (ENVIRONMENTS_DIR / "dev.yaml").read_text()
    assert main(["--name", "dev", "--account", "111111111111", "--region", "eu-west-1"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (ENVIRONMENTS_DIR / "dev.yaml").read_text() == before


def test_the_cidr_skips_every_range_in_use() -> None:
    assert free_cidr([]) == IPv4Network("10.10.0.0/16")
    assert free_cidr([IPv4Network("10.10.0.0/16"), IPv4Network("10.16.0.0/12")]) == IPv4Network("10.40.0.0/16")
    assert free_cidr(used_cidrs(ENVIRONMENTS_DIR)) not in used_cidrs(ENVIRONMENTS_DIR)


def test_the_new_environment_synthesizes_as_written(tmp_path: Path) -> None:
    """What `make new-env` then `make synth ENV=NAME` does, through app.py as the CLI runs it."""
    assert main(["--name", "staging", "--account", "555555555555", "--region", "eu-central-1", "--directory", str(tmp_path)]) == 0
    env = clean_env(tmp_path)
    context = {**project_context(), "config": str(tmp_path / "staging.yaml")}
    env.update(CDK_CONTEXT_JSON=json.dumps(context), CDK_OUTDIR=str(tmp_path / "out"))
    result = subprocess.run([sys.executable, "-O", "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.template.json")) == [
        "berth-staging-ecs.template.json",
        "berth-staging-network.template.json",
    ]
    assert_no_findings(Assembly(tmp_path / "out"))  # the packs are as clean on it as on the shipped environments
