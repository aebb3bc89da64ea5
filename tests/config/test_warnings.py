"""Suspicious but legal choices are warned about, each with a code the environment can accept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import load_config
from config.loader import config_warnings
from tests.config.test_validation import lines, refuse, write_bad

CASES = [
    pytest.param(
        {"eks__access__admins": ["arn:aws:iam::999999999999:role/platform-admin"]},
        "eks.access.admins[0]: refers to account 999999999999; this environment is 111111111111",
        "other-account",
        id="other-account",
    ),
    pytest.param(
        {"ecs__services__0__task__container__image__repository": "111111111111.dkr.ecr.us-east-1.amazonaws.com/berth/web"},
        "ecs.services[web].task.container.image.repository: refers to region us-east-1; this environment is in eu-west-1",
        "other-region",
        id="other-region",
    ),
    pytest.param(
        {"network__cidr": "10.20.0.0/17"},
        "network.cidr: 10.20.0.0/17 overlaps environment prod's 10.20.0.0/16",
        "overlapping-cidr",
        id="overlapping-cidr",
    ),
    pytest.param(
        {"eks__cluster_name": "berth-prod"},
        "eks.cluster_name: 'berth-prod' names environment prod; this file is dev",
        "other-environment-name",
        id="cluster-name-of-another-environment",
    ),
    pytest.param(
        {"tags__environment": "prod"},
        "tags.environment: 'prod' names environment prod; this file is dev",
        "other-environment-name",
        id="tag-of-another-environment",
    ),
]


@pytest.mark.parametrize(("edits", "warning", "code"), CASES)
def test_warned_then_accepted(tmp_path: Path, edits: dict[str, Any], warning: str, code: str) -> None:
    config = load_config(config_path=str(write_bad(tmp_path, edits)))
    found = config_warnings(config)
    assert any(w.startswith(warning) and w.endswith(f"[accept with accept_warnings: [{code}]]") for w in found), found
    accepted = load_config(config_path=str(write_bad(tmp_path, {**edits, "accept_warnings": [code]})))
    assert not [w for w in config_warnings(accepted) if w.startswith(warning)]


def test_unknown_warning_code_is_refused(tmp_path: Path) -> None:
    error = refuse(tmp_path, accept_warnings=["everything"])
    assert any(line.startswith("accept_warnings[0]:") and "'other-account'" in line for line in lines(error))
