"""`make preflight-pipeline`: is the tooling account ready for the delivery pipeline?

Read-only calls with the tooling account's credentials, before `make deploy-pipeline`:
- the credentials are the tooling account's (sts:GetCallerIdentity);
- the CodeConnections connection exists and is AVAILABLE: a connection is created PENDING
  and a person authorizes it once in the console; until then the pipeline's source action
  fails on every run (https://docs.aws.amazon.com/dtconsole/latest/userguide/connections-update.html);
- the tooling account is bootstrapped (version 6 or later) in the pipeline's region and in
  every region an environment is in, where CodePipeline deploys its replication bucket's
  support stack (`make bootstrap-tooling`).
Each environment's own readiness, the trust of the tooling account included, is `make
preflight ENV=...`.

    python -m tools.pipeline_preflight
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from config import ConfigError
from config.pipeline_loader import Pipeline, load_pipeline
from tools.preflight import BLOCKER, BOOTSTRAP_VERSION_PARAMETER, MIN_BOOTSTRAP_VERSION, OK, Clients, Finding, checked_call, render

READY = "AVAILABLE"


def check_account(pipeline: Pipeline, aws: Clients) -> Iterator[Finding]:
    def call() -> Finding:
        account = aws("sts").get_caller_identity()["Account"]
        if account != pipeline.config.account:
            return Finding(
                "account", account, BLOCKER, f"the credentials are for {account}; the pipeline runs in {pipeline.config.account}"
            )
        return Finding("account", account, OK)

    yield checked_call("account", pipeline.config.account, "cannot read the caller's identity", call)


def check_connection(pipeline: Pipeline, aws: Clients) -> Iterator[Finding]:
    arn = pipeline.config.source.connection_arn
    service = arn.split(":")[2]  # codeconnections, or the older codestar-connections
    region = arn.split(":")[3]

    def call() -> Finding:
        status = aws(service, region).get_connection(ConnectionArn=arn)["Connection"]["ConnectionStatus"]
        if status != READY:
            return Finding("connection", arn, BLOCKER, f"{status}: authorize it once in the console (docs/pipeline.md, 'Setting it up')")
        return Finding("connection", arn, OK)

    yield checked_call("connection", arn, "no such connection in the tooling account: create it (docs/pipeline.md)", call)


def check_bootstrap(pipeline: Pipeline, aws: Clients) -> Iterator[Finding]:
    for region in pipeline.regions:
        subject = f"{pipeline.config.account}/{region}"

        def call(region: str = region, subject: str = subject) -> Finding:
            version = int(aws("ssm", region).get_parameter(Name=BOOTSTRAP_VERSION_PARAMETER)["Parameter"]["Value"])
            if version < MIN_BOOTSTRAP_VERSION:
                return Finding("CDK bootstrap", subject, BLOCKER, f"version {version}: run `make bootstrap-tooling`")
            return Finding("CDK bootstrap", subject, OK, f"version {version}")

        yield checked_call("CDK bootstrap", subject, "not bootstrapped: run `make bootstrap-tooling`", call)


CHECKS = (check_account, check_connection, check_bootstrap)


def pipeline_preflight(pipeline: Pipeline, aws: Clients) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(pipeline, aws)]


def main(argv: list[str] | None = None) -> int:
    del argv
    try:
        pipeline = load_pipeline()
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    import boto3  # noqa: PLC0415 - only this command needs the SDK

    region = pipeline.config.region
    findings = pipeline_preflight(pipeline, Clients(boto3.Session(region_name=region), region))
    print(render(findings))
    return 1 if any(f.status == BLOCKER for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
