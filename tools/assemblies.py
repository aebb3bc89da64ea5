"""Synthesize every environment in-process, as the tools that read assemblies need."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# Asset hashes change whenever aws-cdk-lib rebuilds a bundled handler, with no change to
# what is deployed. Image digests (sha256:...) are real changes and are left alone.
_ASSET_HASH = re.compile(r"(?<!sha256:)\b[0-9a-f]{64}\b")


def mask_asset_hashes(text: str) -> str:
    return _ASSET_HASH.sub("<asset-hash>", text)


def stack_artifacts(outdir: Path) -> dict[str, dict[str, Any]]:
    """The assembly's stack artifacts (environment, template file, ...), by stack name."""
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    return {name: art for name, art in sorted(manifest["artifacts"].items()) if art["type"] == "aws:cloudformation:stack"}


def synthesize_all(workdir: Path) -> dict[str, Path]:
    """Each environment's cloud assembly under `workdir/<env>`, built exactly as app.py builds it."""
    from config import load_config  # noqa: PLC0415 - jsii starts only when a tool runs
    from config.loader import available_environments  # noqa: PLC0415
    from stacks.platform import build_app, project_context  # noqa: PLC0415

    outdirs = {}
    for env in available_environments():
        outdir = workdir / env
        build_app(load_config(env), outdir=str(outdir), context=project_context()).synth()
        outdirs[env] = outdir
    return outdirs
