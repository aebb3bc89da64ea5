"""config/pipeline.yaml: validated like an environment file, every problem in one message."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import ConfigError
from config.pipeline_loader import PIPELINE_FILE, load_pipeline, load_pipeline_config
from tests.pipeline_support import EXAMPLE_PIPELINE, EXAMPLE_TARGETS, example_environment


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_pipeline_deploys_every_shipped_environment_in_order() -> None:
    pipeline = load_pipeline()
    assert pipeline.config.environments == ("dev", "qa", "prod")
    assert list(pipeline.environments) == ["dev", "qa", "prod"]
    assert [w.approval for w in pipeline.config.waves] == [False, False, True]
    assert pipeline.config.stack_name == "berth-pipeline"
    assert pipeline.config.account == "444444444444"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        EXAMPLE_PIPELINE.replace('account: "444444444444"', "account: 4444")
        .replace("connection/0d9f2c4e-5b7a-4c1e-9f3a-2b8d6e4a1c70", "connection/nope")
        .replace("environments: [qa]", "environments: [qa, staging]")
        .replace("- name: qa", "- name: staging")
        .replace("releases@example.com", "releases")
        .replace("execution_policies: [arn:aws:iam::444444444444:policy/cdk-execution]", "execution_policies: []")
    )
    with pytest.raises(ConfigError) as raised:
        load_pipeline(_write(tmp_path, text), environments=example_environment, known=list(EXAMPLE_TARGETS))
    message = str(raised.value)
    assert "6 problems" in message
    for field in (
        "account",
        "source.connection_arn",
        "waves[staging].name",  # a wave is named by its name, as an environment's list items are
        "waves[staging].environments[1]",
        "notifications.emails[1]",
        "execution_policies",
    ):
        assert f"\n  - {field}: " in message, (field, message)
    assert "pipeline.yaml" in message
    assert "Traceback" not in message


def test_an_environment_without_a_file_is_named_with_those_there_are(tmp_path: Path) -> None:
    text = EXAMPLE_PIPELINE.replace("environments: [qa]", "environments: [uat]")
    with pytest.raises(ConfigError, match=r"waves\[qa\]\.environments\[0\]: no such environment \(config/environments has: staging, qa"):
        load_pipeline(_write(tmp_path, text), environments=example_environment, known=list(EXAMPLE_TARGETS))


def test_an_unknown_region_and_field_are_refused(tmp_path: Path) -> None:
    text = EXAMPLE_PIPELINE.replace("region: eu-west-1\nsource", "region: eu-west-9\nsorce: 1\nsource")
    with pytest.raises(ConfigError) as raised:
        load_pipeline_config(_write(tmp_path, text))
    assert "region: not a region berth knows" in str(raised.value)
    assert "sorce" in str(raised.value)


def test_a_missing_pipeline_file_is_one_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_pipeline_config(tmp_path / "missing.yaml")
    assert PIPELINE_FILE.name == "pipeline.yaml"
