"""The JSON Schema of an environment file, generated from the models.

Run `make regenerate` after changing a model; a test fails while the
committed schema differs from what the models generate.
"""

from __future__ import annotations

import json
from pathlib import Path

from config.models import PlatformConfig

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "environment.schema.json"


def render_schema() -> str:
    schema = PlatformConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
