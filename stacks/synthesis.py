"""Synthesize one environment, and turn any failure into one message a person can act on.

An error raised inside aws-cdk-lib reaches Python as a jsii RuntimeError with a JavaScript
stack trace; a cdk-nag error finding as "ValidationFailed". Either way the user gets one
berth message that names the construct being built (and the config field behind it, where
it can be known), exit status 2, and no half-written assembly: the manifest and templates
this run wrote are removed, so nothing can deploy them. cdk-nag's report stays, since it
holds the findings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import App
from constructs import IConstruct

from cdk_constructs.errors import ConstructError
from config.models import PlatformConfig
from stacks.config_paths import config_field
from stacks.output import REPORT, remove_assembly
from stacks.platform import build_app, new_app

if TYPE_CHECKING:
    from config.pipeline_loader import Pipeline

_JSII_PREFIX = re.compile(r"^(@jsii/kernel\.)?(RuntimeError|Error|ValidationError): ")


class SynthError(Exception):
    """Synthesis failed; `str()` is the whole message for the user."""


def synthesize(config: PlatformConfig, *, outdir: str | None = None, first_deploy: bool = False) -> None:
    """Build and synthesize the app into `outdir` (by default the CLI's). Raises SynthError."""
    app = new_app(outdir=outdir)
    try:
        build_app(config, app=app, first_deploy=first_deploy).synth()
    except Exception as exc:  # jsii raises RuntimeError; a bug of berth's own may raise anything
        outdir = Path(app.outdir)
        remove_assembly(outdir)
        raise SynthError(_message(exc, app, outdir, subject=f"environment '{config.name}'", config=config)) from None


def synthesize_pipeline(pipeline: Pipeline, *, outdir: str | None = None) -> None:
    """The pipeline's app into `outdir` (by default the CLI's). Raises SynthError."""
    # Imported here: `make synth` of one environment never loads CDK Pipelines.
    from stacks.pipeline_app import build_pipeline_app  # noqa: PLC0415

    app = new_app(outdir=outdir)
    try:
        build_pipeline_app(pipeline, app=app).synth()
    except Exception as exc:  # as synthesize()
        out = Path(app.outdir)
        remove_assembly(out)
        raise SynthError(_message(exc, app, out, subject="the pipeline")) from None


def _message(exc: Exception, app: App, outdir: Path, *, subject: str, config: PlatformConfig | None = None) -> str:
    """One message for `subject` (an environment, or the pipeline); with `config`, the field behind the construct."""
    text = _JSII_PREFIX.sub("", str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    if text.startswith("ValidationFailed"):
        return (
            f"berth: the checks refused {subject}: the findings are listed above and kept in "
            f"{outdir / REPORT}; fix each, or acknowledge it on its resource with a reason. No template was kept."
        )
    path = building(app)
    if isinstance(exc, ConstructError):  # berth's own constructs name themselves
        path, text = exc.path, exc.reason
    field = config_field(path, config) if path and config is not None else None
    where = f" while building {path}" if path else ""
    behind = f" (config: {field})" if field else ""
    return f"berth: synthesis of {subject} failed{where}{behind}: {text}\nNo template was kept."


def building(app: App) -> str | None:
    """The path of the construct that was being built: the parent of the last one created."""
    last: IConstruct | None = None
    for construct in app.node.find_all():
        last = construct
    if last is None or last is app:
        return None
    parent = last.node.scope
    return (parent if parent is not None and parent is not app else last).node.path
