"""cdk.json's context (the feature flags), read in one place and without importing the CDK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def project_context(checkout: Path = ROOT) -> dict[str, Any]:
    """cdk.json's context (feature flags) of this checkout, or of another one. Apps built
    outside the CLI (tests, benchmarks, tools) must pass it: a bare App ignores cdk.json, and
    the flags change the templates."""
    return dict(json.loads((checkout / "cdk.json").read_text(encoding="utf-8"))["context"])
