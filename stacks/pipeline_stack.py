"""The pipeline stack (<name>-pipeline, in the tooling account): berth's delivery pipeline,
with the project's own `make` targets as its steps."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Environment, Stack, Stage, Tags
from constructs import Construct

from cdk_constructs.delivery_pipeline import DeliveryPipeline, DeliveryPipelineProps, PipelineCheck, PipelineTarget, PipelineWave
from cdk_constructs.removal import removal_policy
from config.models import PlatformConfig
from config.pipeline_models import PipelineConfig

# What the pipeline runs, as a person would on a laptop (the Makefile sets everything up).
SYNTH = ("make pipeline-synth",)
TESTS = ("make test",)


def rehearsal(environments: tuple[str, ...]) -> tuple[str, ...]:
    return ("make rehearse-test", *(f"make rehearse ENV={env}" for env in environments))


def preflight(env: str) -> tuple[str, ...]:
    # With the target account's look-up role: read-only, and nothing the preflight needs is encrypted.
    return (f'make preflight ENV={env} ASSUME_ROLE="$LOOKUP_ROLE_ARN"',)


def review(environments: tuple[str, ...]) -> tuple[str, ...]:
    return (f'make review BASE="$BASE" REVIEW_ARGS="--environments {" ".join(environments)}"',)


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineConfig,
        environments: dict[str, PlatformConfig],
        stages: dict[str, Stage],
        **kwargs: Any,
    ) -> None:
        """`stages`: each environment's stacks, by name; `environments`: its config (account, region)."""
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=config.account, region=config.region),
            stack_name=config.stack_name,
            description=f"{config.name}: the delivery pipeline (CDK Pipelines) of every environment",
            termination_protection=config.removal_policy == "retain",
            **kwargs,
        )
        Tags.of(self).add("project", config.name)
        Tags.of(self).add("component", "pipeline")
        waves = [
            PipelineWave(
                name=wave.name,
                approval=wave.approval,
                review_commands=review(wave.environments) if wave.approval else (),
                targets=[
                    PipelineTarget(
                        name=env,
                        stage=stages[env],
                        account=environments[env].account,
                        region=environments[env].region,
                        preflight_commands=preflight(env),
                    )
                    for env in wave.environments
                ],
            )
            for wave in config.waves
        ]
        pipeline = DeliveryPipeline(
            self,
            "Delivery",
            props=DeliveryPipelineProps(
                pipeline_name=config.name,
                repository=config.source.repository,
                branch=config.source.branch,
                connection_arn=config.source.connection_arn,
                synth_commands=SYNTH,
                checks=[
                    PipelineCheck(name="Test", commands=TESTS),
                    PipelineCheck(name="Rehearse", commands=rehearsal(config.environments)),
                ],
                waves=waves,
                notification_emails=config.notifications.emails,
                log_retention_days=config.log_retention_days,
                removal_policy=removal_policy(config.removal_policy),
            ),
        )
        CfnOutput(self, "PipelineName", value=pipeline.pipeline.pipeline.pipeline_name, description="the CodePipeline pipeline")
        CfnOutput(self, "NoticesTopicArn", value=pipeline.topic.topic_arn, description="failed and succeeded runs, approvals waiting")
