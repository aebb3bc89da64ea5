"""The deploy workflow: every environment that deploys from GitHub, in order, each in its own
GitHub environment with an OIDC token and no stored keys; the role it assumes is the one
berth-<env>-github creates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from config import load_config
from config.loader import available_environments
from tools import deploy_target
from tools.deploy_target import deploy_role_arn, main

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def _workflow(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8")))


def test_every_github_environment_deploys_once_in_order_each_after_the_one_before() -> None:
    jobs = _workflow("deploy.yml")["jobs"]
    deploying = [e for e in available_environments() if load_config(e).github is not None]
    assert sorted(jobs) == sorted(deploying)
    order = ["dev", "qa", "prod"]
    assert [jobs[e]["with"]["environment"] for e in order] == order
    assert [jobs[e].get("needs") for e in order] == [None, "dev", "qa"]
    for job in jobs.values():
        assert job["uses"] == "./.github/workflows/deploy-environment.yml"
        assert job["permissions"] == {"contents": "read", "id-token": "write"}


def test_the_deploy_job_runs_in_its_github_environment_with_short_lived_credentials() -> None:
    workflow = _workflow("deploy-environment.yml")
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "${{ inputs.environment }}"
    steps = {s.get("uses", s.get("name")): s for s in job["steps"]}
    credentials = steps["aws-actions/configure-aws-credentials@v4"]["with"]
    assert credentials["role-to-assume"] == "${{ steps.target.outputs.role }}"
    assert "aws-access-key-id" not in credentials
    assert "secrets." not in (WORKFLOWS / "deploy-environment.yml").read_text()


def test_the_role_ci_assumes_is_the_one_the_stack_creates(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    prod = load_config("prod")
    assert deploy_role_arn(prod).endswith(f":role/{prod.github_deploy_role_name}")
    monkeypatch.setattr(deploy_target, "PIPELINE_FILE", Path("/nonexistent/pipeline.yaml"))  # no pipeline: the workflow deploys
    assert main(["--env", "prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["skip=false", "account=222222222222", "region=eu-west-1", f"role={deploy_role_arn(prod)}"]


def test_an_environment_the_pipeline_deploys_is_left_to_it(capsys: pytest.CaptureFixture[str]) -> None:
    """One engine per environment: the shipped pipeline deploys prod, so the workflow skips it."""
    assert main(["--env", "prod"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["skip=true"]
    assert "the delivery pipeline (config/pipeline.yaml) deploys 'prod'" in captured.err
    (job,) = _workflow("deploy-environment.yml")["jobs"].values()
    guarded = {s.get("uses", s.get("name")): s.get("if") for s in job["steps"]}
    assert guarded["aws-actions/configure-aws-credentials@v4"] == "steps.target.outputs.skip != 'true'"
    assert guarded["Deploy"] == "steps.target.outputs.skip != 'true'"
