"""The delivery pipelines the tests synthesize: the shipped one, and a three-account,
two-region example whose environments are made from qa (the smallest shipped environment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.models import PlatformConfig
from config.pipeline_loader import Pipeline, load_pipeline
from tests.factories import environment

TOOLING = "444444444444"
# name -> (account, region, zones): staging and live in eu-west-1, live-us in us-east-1.
EXAMPLE_TARGETS = {
    "staging": ("111111111111", "eu-west-1", ["eu-west-1a", "eu-west-1b"]),
    "qa": ("333333333333", "eu-west-1", ["eu-west-1a", "eu-west-1b"]),
    "live": ("222222222222", "eu-west-1", ["eu-west-1a", "eu-west-1b"]),
    "live-us": ("222222222222", "us-east-1", ["us-east-1a", "us-east-1b"]),
}
EXAMPLE_PIPELINE = f"""
name: delivery
account: "{TOOLING}"
region: eu-west-1
source:
  repository: example-org/platform
  branch: main
  connection_arn: arn:aws:codeconnections:eu-west-1:{TOOLING}:connection/0d9f2c4e-5b7a-4c1e-9f3a-2b8d6e4a1c70
waves:
  - name: staging
    environments: [staging]
  - name: qa
    environments: [qa]
  - name: live
    environments: [live, live-us]
    approval: true
execution_policies: [arn:aws:iam::{TOOLING}:policy/cdk-execution]
notifications:
  emails: [platform-team@example.com, releases@example.com]
"""


def example_environment(name: str) -> PlatformConfig:
    account, region, zones = EXAMPLE_TARGETS[name]
    changes: dict[str, Any] = {"name": name, "account": account, "region": region, "availability_zones": zones}
    changes |= {"tags.environment": name, "eks.cluster_name": f"berth-{name}"}
    changes["ecs.ingress.public.certificate_arn"] = f"arn:aws:acm:{region}:{account}:certificate/3f1c2b7e-9a4d-4e55-8c1a-0d6b2e9f7a10"
    if name != "qa":
        changes["github.create_oidc_provider"] = name != "live-us"  # live made the account's provider
    return environment("qa", changes)


def example_pipeline(tmp: Path) -> Pipeline:
    path = tmp / "pipeline.yaml"
    path.write_text(EXAMPLE_PIPELINE, encoding="utf-8")
    return load_pipeline(path, environments=example_environment, known=list(EXAMPLE_TARGETS))
