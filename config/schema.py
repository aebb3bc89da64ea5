"""The JSON Schema of an environment file, generated from the models.

Run `make schema` (python -m config.schema) after changing a model; a test fails while the
committed schema differs from what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from config.models import PlatformConfig

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "environment.schema.json"


def render_schema() -> str:
    schema = PlatformConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    SCHEMA_PATH.write_text(render_schema(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_PATH}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
