"""Synthesize every environment in-process, as the tools that read assemblies need."""

from __future__ import annotations

from pathlib import Path


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
