"""The JSON Schema the models generate (its freshness: tests/test_generated.py)."""

from __future__ import annotations

import json

from config.patterns import PATTERN_WORDS
from config.schema import render_schema


def test_schema_forbids_unknown_fields() -> None:
    schema = json.loads(render_schema())
    assert schema["additionalProperties"] is False
    assert "ecs" in schema["required"]


def _patterns(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_patterns(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_patterns(v) for v in node))
    return set()


def test_every_field_format_is_explained_in_words() -> None:
    """A value that does not fit is told what is allowed, never shown a regular expression."""
    patterns = _patterns(json.loads(render_schema()))
    assert len(patterns) > 15
    assert patterns <= set(PATTERN_WORDS), patterns - set(PATTERN_WORDS)


def test_every_field_has_a_description() -> None:
    """The configuration reference (docs/configuration.md) says what each field is."""
    from tools.config_reference import fields  # noqa: PLC0415

    rows = list(fields(json.loads(render_schema())))
    assert len(rows) > 150
    assert [r.path for r in rows if not r.description] == []


def test_the_reference_example_is_a_valid_environment() -> None:
    from config import load_config  # noqa: PLC0415
    from tools.config_reference import EXAMPLE  # noqa: PLC0415

    assert load_config(config_path=str(EXAMPLE)).name == "example"


def test_the_pipeline_schema_explains_every_format_and_describes_every_field() -> None:
    from config.schema import render_pipeline_schema  # noqa: PLC0415
    from tools.config_reference import fields  # noqa: PLC0415

    schema = json.loads(render_pipeline_schema())
    assert schema["additionalProperties"] is False
    assert _patterns(schema) <= set(PATTERN_WORDS), _patterns(schema) - set(PATTERN_WORDS)
    rows = list(fields(schema))
    assert len(rows) > 10
    assert [r.path for r in rows if not r.description] == []
