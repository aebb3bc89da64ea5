"""Where an environment deploys, for a CI job: `account=`, `region=` and `role=` lines (the
format of $GITHUB_OUTPUT), read from the environment's config, the one source of truth.

One delivery engine per environment: an environment the delivery pipeline deploys
(config/pipeline.yaml) prints `skip=true` instead, and the deploy workflow leaves it to the
pipeline. Two engines would race on the same stacks, and the second path to prod would go
around the pipeline's approval.

    python -m tools.deploy_target --env prod >> "$GITHUB_OUTPUT"
"""

from __future__ import annotations

import sys

from config.limits import REGIONS
from config.models import PlatformConfig
from config.pipeline_loader import PIPELINE_FILE, load_pipeline_config
from tools.aws_account import environment_from_cli


def deploy_role_arn(config: PlatformConfig) -> str:
    """The role berth-<env>-github creates."""
    return f"arn:{REGIONS[config.region]}:iam::{config.account}:role/{config.github_deploy_role_name}"


def main(argv: list[str] | None = None) -> int:
    config = environment_from_cli(argv, "Print an environment's account, region and deploy role for CI.")
    if config.github is None:
        sys.stderr.write(f"berth: environment '{config.name}' has no `github` section: it has no deploy role for CI\n")
        return 2
    if PIPELINE_FILE.is_file() and config.name in load_pipeline_config(PIPELINE_FILE).environments:
        sys.stderr.write(f"berth: the delivery pipeline (config/pipeline.yaml) deploys '{config.name}': the workflow leaves it\n")
        print("skip=true")
        return 0
    print(f"skip=false\naccount={config.account}\nregion={config.region}\nrole={deploy_role_arn(config)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
