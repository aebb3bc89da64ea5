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


# --- YAML whose meaning depends on the parser ---------------------------------------------

DEV = Path(__file__).resolve().parents[2] / "config" / "environments" / "dev.yaml"

AMBIGUOUS = [
    pytest.param(
        ("  nat_gateways: 1\n", "  nat_gateways: 1\n  nat_gateways: 2\n"),
        "network.nat_gateways: line 19: given twice (also on line 18); YAML keeps only the last",
        id="key-given-twice",
    ),
    pytest.param(
        ('  version: "1.34"\n', "  version: 1.30\n"),
        'eks.version: line {line}: `1.30` is read as the number 1.3: quote it ("1.30")',
        id="version-loses-its-zero",
    ),
    pytest.param(
        ('  version: "1.34"\n', "  version: 1.34\n"),
        'eks.version: a Kubernetes version is text: quote it ("1.34")',
        id="version-as-a-number",
    ),
    pytest.param(
        ("      enable_execute_command: true\n", "      enable_execute_command: on\n"),
        "ecs.services[web].enable_execute_command: line {line}: `on` is read as True here (YAML 1.1) but as text by YAML 1.2 tools",
        id="yaml-1.1-boolean",
    ),
    pytest.param(
        ('            tag: "1.4.2"\n', "            tag: 010\n"),
        'ecs.services[web].task.container.image.tag: line {line}: `010` is read as the number 8: quote it ("010")',
        id="octal-number",
    ),
]


@pytest.mark.parametrize(("edit", "problem"), AMBIGUOUS)
def test_yaml_that_depends_on_the_parser_is_refused(tmp_path: Path, edit: tuple[str, str], problem: str) -> None:
    text = DEV.read_text()
    assert edit[0] in text
    problem = problem.replace("{line}", str(text[: text.index(edit[0])].count("\n") + 1))  # the edited line's number
    path = tmp_path / "dev.yaml"
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(ConfigError) as info:
        load_config(config_path=str(path))
    rendered = [p.render() for p in info.value.problems]
    assert any(line.startswith(problem) for line in rendered), rendered
