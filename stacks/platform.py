"""The whole berth app for one environment: its stacks, their order, and the checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import App, Stack
from constructs import Construct

from cdk_constructs.checks import acknowledge_grant_policies, attach_checks
from config.loader import for_first_deploy
from config.models import PlatformConfig
from stacks.config_paths import CONFIG_METADATA, config_field
from stacks.ecs_stack import EcsStack
from stacks.eks_stack import EksStack
from stacks.github_stack import GitHubStack
from stacks.images_stack import ImagesStack
from stacks.network_stack import NetworkStack

ROOT = Path(__file__).resolve().parent.parent


def new_app(*, outdir: str | None = None, context: dict[str, Any] | None = None) -> App:
    """An App as berth synthesizes it (outside the CLI, pass cdk.json's context)."""
    return App(
        outdir=outdir,
        context=context,
        # cfn-lint runs over every template in the tests; the built-in WebAssembly validator
        # would add ~5 s and ~12 CPU-s to every synth for the same class of checks.
        builtin_cloud_formation_validation=False,
    )


def build_app(
    config: PlatformConfig,
    *,
    outdir: str | None = None,
    context: dict[str, Any] | None = None,
    first_deploy: bool = False,
    app: App | None = None,
) -> App:
    """The berth app for one environment, with its checks attached. Not yet synthesized.

    `first_deploy` builds what the first deploy of an environment creates (`make
    first-deploy`): nothing that would make a failed create impossible to retry. A load
    balancer with deletion protection turns the rollback into ROLLBACK_FAILED; a stack with
    termination protection (the CDK CLI sets it before it executes the change set) cannot
    be deleted by the CLI's retry, which deletes a ROLLBACK_COMPLETE stack first. The second
    deploy, with the real config, turns both on.
    """
    app = app or new_app(outdir=outdir, context=context)
    build_stacks(app, config, first_deploy=first_deploy)
    attach_checks(app)
    return app


def build_stacks(scope: Construct, config: PlatformConfig, *, first_deploy: bool = False) -> list[Stack]:
    """One environment's stacks in `scope`: the app (`make synth`) or a Stage of the pipeline.

    Each stack is named explicitly (berth-<env>-<part>): inside a Stage the CDK would prefix
    the stage's name, and the pipeline must deploy the very stacks `make deploy` does. Nothing
    else depends on the scope: a template is byte for byte the same either way (a test
    compares every environment's).
    """
    if first_deploy:
        config = for_first_deploy(config)
    prefix = f"berth-{config.name}"

    network = NetworkStack(scope, f"{prefix}-network", config=config, stack_name=f"{prefix}-network")
    ecs = EcsStack(scope, f"{prefix}-ecs", config=config, stack_name=f"{prefix}-ecs")
    ecs.add_stack_dependency(network, "reads the VPC ids from the network stack's SSM parameters")
    images = ImagesStack(scope, f"{prefix}-images", config=config, stack_name=f"{prefix}-images") if config.ecs.repositories else None
    if images is not None:
        ecs.add_stack_dependency(images, "runs images from the repositories the images stack creates")
    if config.eks is not None:
        eks = EksStack(scope, f"{prefix}-eks", config=config, stack_name=f"{prefix}-eks")
        eks.add_stack_dependency(network, "reads the VPC ids from the network stack's SSM parameters")
    # Independent of the others: the role deploys them, and exists before they do.
    github = GitHubStack(scope, f"{prefix}-github", config=config, stack_name=f"{prefix}-github") if config.github is not None else None
    stacks = (network, *([images] if images else []), ecs, *([eks] if config.eks is not None else []), *([github] if github else []))
    for stack in stacks:
        acknowledge_grant_policies(stack)
        _record_config_fields(stack, config)
        if first_deploy:
            stack.termination_protection = False
    return list(stacks)


def _record_config_fields(stack: Stack, config: PlatformConfig) -> None:
    """Each top-level construct's config field, as assembly metadata (templates unchanged):
    the review and the diagrams name resources by it."""
    for child in stack.node.children:
        field = config_field(f"{stack.node.id}/{child.node.id}", config)  # the same inside a pipeline's Stage
        if field:
            child.node.add_metadata(CONFIG_METADATA, field)
