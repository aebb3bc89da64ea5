"""The committed JSON Schema is what the models generate (run `make schema` to refresh)."""

from __future__ import annotations

import json

from config.schema import SCHEMA_PATH, render_schema


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), "config schema is stale: run `make schema`"


def test_schema_forbids_unknown_fields() -> None:
    schema = json.loads(render_schema())
    assert schema["additionalProperties"] is False
    assert "ecs" in schema["required"]
