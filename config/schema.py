"""The JSON Schemas of an environment file and of the pipeline file, generated from the models.

Run `make regenerate` after changing a model; a test fails while the
committed schema differs from what the models generate.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from config.models import PlatformConfig
from config.pipeline_models import PipelineConfig

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "environment.schema.json"
PIPELINE_SCHEMA_PATH = SCHEMA_PATH.parent / "pipeline.schema.json"


def render_schema(model: type[BaseModel] = PlatformConfig) -> str:
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def render_pipeline_schema() -> str:
    return render_schema(PipelineConfig)
