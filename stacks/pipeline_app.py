"""The pipeline's app: the pipeline stack, and every environment it deploys as a Stage.

Each environment is an App of its own (`EnvironmentApp`), written into the pipeline's cloud
assembly as assembly-<env>, rather than a Stage inside the pipeline's App. A nested Stage
adds its id to every construct path, and aws-cdk-lib derives names from paths: the `Name`
tags of a VPC's parts, task definition families, scaling policy names and the logical ids
of security-group rules (Names.uniqueId) would all change, some of them replacements. As
a root of its own, each environment builds exactly the templates `make synth ENV=...`
writes (tests/stacks/test_pipeline_stack.py compares every one byte for byte), while CDK
Pipelines, which reads a Stage's stacks from its synthesized assembly, deploys them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import App

from cdk_constructs.checks import acknowledge_grant_policies, attach_checks
from config.models import PlatformConfig
from config.pipeline_loader import Pipeline
from stacks.pipeline_stack import PipelineStack
from stacks.platform import build_stacks, new_app


class EnvironmentApp(App):
    """One environment's stacks and checks, as `make synth` builds them, under its name."""

    def __init__(self, *, config: PlatformConfig, outdir: str, context: dict[str, Any] | None = None) -> None:
        self._environment = config.name
        super().__init__(outdir=outdir, context=context, builtin_cloud_formation_validation=False)
        self.config = config
        build_stacks(self, config)
        attach_checks(self)

    @property
    def stage_name(self) -> str:
        """The pipeline names the environment's stage by this (an App's own is empty)."""
        return self._environment


def build_pipeline_app(
    pipeline: Pipeline, *, outdir: str | None = None, context: dict[str, Any] | None = None, app: App | None = None
) -> App:
    """The pipeline stack and its environments, with the checks attached. Not yet synthesized
    (each environment is: CDK Pipelines synthesizes a stage when it is added)."""
    app = app or new_app(outdir=outdir, context=context)
    root = Path(app.outdir)
    stages = {
        name: EnvironmentApp(config=config, outdir=str(root / f"assembly-{name}"), context=context)
        for name, config in pipeline.environments.items()
    }
    stack = PipelineStack(app, pipeline.config.stack_name, config=pipeline.config, environments=pipeline.environments, stages=stages)
    acknowledge_grant_policies(stack)
    attach_checks(app)
    return app
