"""`make preflight-pipeline` with the tooling account's answers stubbed: a pass and a fail for each check."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from config.pipeline_loader import load_pipeline
from tests.factories import environment
from tools import pipeline_preflight
from tools.preflight import BLOCKER, OK, UNVERIFIED

PIPELINE = load_pipeline()
ARN = PIPELINE.config.source.connection_arn


class _Account:
    """The tooling account's answers, by service and region."""

    def __init__(self, *, account: str = "444444444444", status: str | None = "AVAILABLE", versions: dict[str, str] | None = None) -> None:
        self.account, self.status = account, status
        self.versions = {"eu-west-1": "30"} if versions is None else versions

    def __call__(self, service: str, region: str | None = None) -> Any:
        account = self

        class Client:
            def get_caller_identity(self) -> dict[str, str]:
                return {"Account": account.account}

            def get_connection(self, ConnectionArn: str) -> dict[str, Any]:  # noqa: N803
                assert service == "codeconnections"
                if account.status is None:
                    raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}, "GetConnection")
                return {"Connection": {"ConnectionArn": ConnectionArn, "ConnectionStatus": account.status}}

            def get_parameter(self, Name: str) -> dict[str, Any]:  # noqa: N803
                if (region or "eu-west-1") not in account.versions:
                    raise ClientError({"Error": {"Code": "ParameterNotFound", "Message": Name}}, "GetParameter")
                return {"Parameter": {"Value": account.versions[region or "eu-west-1"]}}

        return Client()


def test_a_ready_tooling_account_passes() -> None:
    findings = pipeline_preflight.pipeline_preflight(PIPELINE, _Account())  # type: ignore[arg-type]
    assert {f.status for f in findings} == {OK}
    assert [f.check for f in findings] == ["account", "connection", "CDK bootstrap"]


def test_credentials_of_another_account_are_a_blocker() -> None:
    (finding,) = pipeline_preflight.check_account(PIPELINE, _Account(account="111111111111"))  # type: ignore[arg-type]
    assert finding.status == BLOCKER


@pytest.mark.parametrize(("status", "words"), [("PENDING", "authorize it once in the console"), (None, "create it")])
def test_a_connection_not_authorized_or_missing_is_a_blocker_that_says_what_to_do(status: str | None, words: str) -> None:
    (finding,) = pipeline_preflight.check_connection(PIPELINE, _Account(status=status))  # type: ignore[arg-type]
    assert finding.status == BLOCKER
    assert words in finding.help


def test_every_region_an_environment_is_in_must_be_bootstrapped() -> None:
    us = environment("dev", {"name": "dev-us", "region": "us-east-1", "availability_zones": ["us-east-1a", "us-east-1b"]})
    pipeline = type(PIPELINE)(PIPELINE.config, {**PIPELINE.environments, "dev-us": us})
    findings = list(pipeline_preflight.check_bootstrap(pipeline, _Account()))  # type: ignore[arg-type]
    assert [(f.subject, f.status) for f in findings] == [("444444444444/eu-west-1", OK), ("444444444444/us-east-1", BLOCKER)]
    assert "make bootstrap-tooling" in findings[1].help
    old = list(pipeline_preflight.check_bootstrap(PIPELINE, _Account(versions={"eu-west-1": "5"})))  # type: ignore[arg-type]
    assert old[0].status == BLOCKER


def test_access_denied_cannot_be_verified() -> None:
    class Denied(_Account):
        def __call__(self, service: str, region: str | None = None) -> Any:
            class Client:
                def get_caller_identity(self) -> dict[str, str]:
                    raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetCallerIdentity")

            return Client()

    (finding,) = pipeline_preflight.check_account(PIPELINE, Denied())  # type: ignore[arg-type]
    assert finding.status == UNVERIFIED
