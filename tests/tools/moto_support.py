"""moto's in-process AWS for the preflight's tests: no network, no account, no profile."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from moto import mock_aws

from tools.preflight import Clients

REGION = "eu-west-1"


@contextmanager
def moto_clients(monkeypatch: pytest.MonkeyPatch, account: str) -> Iterator[Clients]:
    """Clients of a moto account (`account`), with any real credentials out of reach."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("MOTO_ACCOUNT_ID", account)
    with mock_aws():
        yield Clients(boto3.Session(region_name=REGION), REGION)
