"""Finding and reading the file: unknown environment, missing file, not YAML, not a mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config, resolve_config_path


def test_default_environment_is_dev() -> None:
    path, env = resolve_config_path(None, None)
    assert (env, path.name) == ("dev", "dev.yaml")


def test_config_path_wins_over_env(tmp_path: Path) -> None:
    path, _ = resolve_config_path("prod", str(tmp_path / "x.yaml"))
    assert path == tmp_path / "x.yaml"


def test_unknown_environment_lists_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        load_config("staging")
    message = str(info.value)
    assert "environment 'staging'" in message
    assert "unknown environment; known environments: dev, prod" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(config_path=str(tmp_path / "nope.yaml"))


def test_file_that_is_not_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: dev\naccount: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        load_config(config_path=str(bad))
    assert "not valid YAML: line 3" in str(info.value)


@pytest.mark.parametrize("content", ["", "- a\n- b\n", "just text\n"])
def test_file_that_is_not_a_mapping(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "list.yaml"
    bad.write_text(content)
    with pytest.raises(ConfigError, match="must hold a mapping of fields"):
        load_config(config_path=str(bad))
