"""`network.existing`: a VPC berth does not create, refused with every problem at once when it
does not fit the environment (one subnet of each kind per zone, each once, no sizing fields)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import load_config
from tests.config.test_validation import lines, refuse

CASES = [
    pytest.param(
        {"network__nat_gateways": 1, "network__interface_endpoints": ["logs"]},
        [
            "network.nat_gateways: sizes the VPC berth creates; with network.existing, leave it out (got 1)",
            "network.interface_endpoints: sizes the VPC berth creates",
        ],
        id="sizing-fields",
    ),
    pytest.param(
        {"network__existing__private_subnet_ids": ["subnet-0aa1b2c3d4e5f6071"]},
        ["network.existing.private_subnet_ids: one subnet per availability zone, in their order (eu-west-1a, eu-west-1b): 2, not 1"],
        id="one-subnet-short",
    ),
    pytest.param(
        {"network__existing__public_subnet_ids": ["subnet-0cc1b2c3d4e5f6073", "subnet-0aa1b2c3d4e5f6071"]},
        ["network.existing: a subnet named twice: subnet-0aa1b2c3d4e5f6071"],
        id="subnet-twice",
    ),
    pytest.param(
        {"network__existing__vpc_id": "vpc-12"},
        ["network.existing.vpc_id: expected a VPC id: vpc- and 8 to 17 hexadecimal digits"],
        id="bad-vpc-id",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), CASES)
def test_an_existing_network_that_does_not_fit_is_refused(tmp_path: Path, edits: dict[str, Any], expected: list[str]) -> None:
    reported = lines(refuse(tmp_path, base="qa", **edits))
    for line in expected:
        assert any(r.startswith(line) for r in reported), (line, reported)


def test_without_existing_the_vpc_berth_creates_needs_its_nat_gateways(tmp_path: Path) -> None:
    reported = lines(refuse(tmp_path, base="dev", network__nat_gateways=None))
    assert any(r.startswith("network.nat_gateways: required for the VPC berth creates") for r in reported), reported


def test_qa_runs_in_an_existing_vpc() -> None:
    qa = load_config("qa")
    assert qa.network.existing is not None
    assert qa.network.nat_gateways is None
