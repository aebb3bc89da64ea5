"""`make bootstrap ENV=...`, first step: the service-linked roles berth's resources need.

A fresh account may not have them yet, and some creates fail rather than make them: ECS's
CreateCluster can fail with "Unable to assume the service linked role"
(aws/containers-roadmap#2614). This creates each missing one, looked up first by its path
(CreateServiceLinkedRole is not idempotent), then the Makefile runs `cdk bootstrap`.
https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html

An environment the delivery pipeline deploys (config/pipeline.yaml) from another account is
bootstrapped to trust the tooling account: `--trust` lets CDK Pipelines assume the deploy and
asset-publishing roles, which requires `--cloudformation-execution-policies` (the policies
CloudFormation deploys with, from the pipeline config); `--trust-for-lookup` lets the pipeline's
preflight step read the account as the look-up role (ReadOnlyAccess, no KMS decrypt).
https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.pipelines-readme.html#cdk-environment-bootstrapping

    python -m tools.bootstrap --env prod              # AWS credentials for the environment's account
    python -m tools.bootstrap --env prod --cdk-args   # the arguments `cdk bootstrap` gets (the Makefile reads them)
    python -m tools.bootstrap --tooling               # the tooling account's `cdk bootstrap` environments
"""

from __future__ import annotations

import sys
from typing import Any

from config.errors import ConfigError
from config.models import PlatformConfig
from config.pipeline_loader import PIPELINE_FILE, load_pipeline_config, tooling_regions
from config.pipeline_models import PipelineConfig
from tools.aws_account import account_mismatch, environment_and_options, existing_service_linked_role, service_linked_roles


def ensure_service_linked_roles(config: PlatformConfig, iam: Any) -> list[tuple[str, str, str]]:
    """(service, "present" or "created", role ARN) for each role the environment needs."""
    done = []
    for role in service_linked_roles(config):
        arn = existing_service_linked_role(iam, role.service)
        if arn is not None:
            done.append((role.service, "present", arn))
            continue
        created = iam.create_service_linked_role(AWSServiceName=role.service, Description=f"berth {config.name}: {role.why}")
        done.append((role.service, "created", str(created["Role"]["Arn"])))
    return done


def cdk_bootstrap_args(config: PlatformConfig, pipeline: PipelineConfig | None) -> list[str]:
    """What `cdk bootstrap` of this environment needs beyond the defaults."""
    if pipeline is None or config.name not in pipeline.environments or pipeline.account == config.account:
        return []
    return [
        "--trust",
        pipeline.account,
        "--trust-for-lookup",
        pipeline.account,
        "--cloudformation-execution-policies",
        ",".join(pipeline.execution_policies),
    ]


def tooling_environments(pipeline: PipelineConfig, environments: dict[str, PlatformConfig]) -> list[str]:
    """aws://ACCOUNT/REGION of the tooling account in its own region and in every region the pipeline
    deploys to: CDK Pipelines deploys a replication bucket there (a support stack) for cross-region actions."""
    return [f"aws://{pipeline.account}/{region}" for region in tooling_regions(pipeline, environments)]


def _print_tooling() -> int:
    from config.pipeline_loader import load_pipeline  # noqa: PLC0415

    try:
        pipeline = load_pipeline()
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    print(" ".join(tooling_environments(pipeline.config, pipeline.environments)))
    return 0


def _print_cdk_args(config: PlatformConfig) -> int:
    try:
        pipeline = load_pipeline_config() if PIPELINE_FILE.is_file() else None
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    print(" ".join(cdk_bootstrap_args(config, pipeline)))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--tooling"]:
        return _print_tooling()
    config, args = environment_and_options(
        argv,
        "Create the service-linked roles an environment needs.",
        lambda parser: parser.add_argument("--cdk-args", action="store_true", help="print the arguments of its `cdk bootstrap` and stop"),
    )
    if args.cdk_args:
        return _print_cdk_args(config)
    import boto3  # noqa: PLC0415 - only this command needs the SDK
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    session = boto3.Session(region_name=config.region)
    try:
        wrong = account_mismatch(config, session.client("sts"))
        if wrong:
            sys.stderr.write(f"berth bootstrap: {wrong}\n")
            return 1
        for service, state, arn in ensure_service_linked_roles(config, session.client("iam")):
            print(f"{state:8} {service:45} {arn}")
    except (BotoCoreError, ClientError) as exc:
        sys.stderr.write(f"berth bootstrap: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
