"""`make bootstrap ENV=...`, first step: the service-linked roles berth's resources need.

A fresh account may not have them yet, and some creates fail rather than make them: ECS's
CreateCluster can fail with "Unable to assume the service linked role"
(aws/containers-roadmap#2614). This creates each missing one, looked up first by its path
(CreateServiceLinkedRole is not idempotent), then the Makefile runs `cdk bootstrap`.
https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html

    python -m tools.bootstrap --env prod   # AWS credentials for the environment's account
"""

from __future__ import annotations

import sys
from typing import Any

from config.models import PlatformConfig
from tools.aws_account import account_mismatch, environment_from_cli, existing_service_linked_role, service_linked_roles


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


def main(argv: list[str] | None = None) -> int:
    config = environment_from_cli(argv, "Create the service-linked roles an environment needs.")
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
