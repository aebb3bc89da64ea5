"""A delivery pipeline on CDK Pipelines: from a merged commit to every environment, in order.

CodePipeline (V2) in a tooling account: the source through a CodeConnections connection (a
full clone, so the review can read the history), one synth of every environment, the
project's checks, then waves of environments, each environment a Stage of its stacks. A wave
deploys its environments in parallel; a wave marked for approval first runs the review of the
change against the commit that wave last deployed and waits for a person, who reads it.
Every environment's deploy is preceded by its preflight, run with the target account's CDK
look-up role (`cdk bootstrap --trust-for-lookup`), which may read and nothing more.

Cross-account deploys assume the target's bootstrap roles (`cdk bootstrap --trust`): the
artifact bucket's key must be one the target accounts can be granted, so the pipeline runs
with `cross_account_keys` and its own key (CDK Pipelines refuses an artifact bucket without
one). The pipeline updates itself from the same synth (self-mutation) before it deploys.
https://docs.aws.amazon.com/cdk/v2/guide/cdk-pipeline.html
https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.pipelines-readme.html
https://docs.aws.amazon.com/codepipeline/latest/userguide/connections.html
https://docs.aws.amazon.com/codebuild/latest/userguide/available-runtimes.html
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration, RemovalPolicy, Stack, Stage, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codestarnotifications as notifications
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_constructs.artifact_buckets import artifact_bucket, harden_replication_bucket
from cdk_constructs.log_group import encrypted_log_group
from cdk_constructs.pipeline_acknowledgments import acknowledge_generated
from cdk_constructs.platform_key import PlatformKey
from cdk_constructs.principals import BOOTSTRAP_QUALIFIER

# What CodeBuild runs every step on: Ubuntu 22.04 with Python 3.11 and Node 20 among its
# runtimes (the versions berth's Makefile is tested with).
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
RUNTIME_VERSIONS = {"python": "3.11", "nodejs": "20"}
# Recorded in a wave's parameter before it has deployed once: the review compares with HEAD~1.
NOTHING_DEPLOYED = "none"


@dataclass(frozen=True, kw_only=True)
class PipelineTarget:
    """One environment: its stacks as a Stage (or an App of their own) and its preflight."""

    name: str
    stage: Stage
    account: str
    region: str
    preflight_commands: Sequence[str]
    """Run before the environment deploys, with $LOOKUP_ROLE_ARN set to its account's look-up role."""


@dataclass(frozen=True, kw_only=True)
class PipelineWave:
    name: str
    targets: Sequence[PipelineTarget]
    approval: bool = False
    """Review and wait for a manual approval before the wave deploys."""
    review_commands: Sequence[str] = ()
    """Write review.md for this wave's environments against $BASE (the commit the wave last deployed)."""


@dataclass(frozen=True, kw_only=True)
class PipelineCheck:
    """A step of the project's own checks (tests, rehearsal), run once before the first wave."""

    name: str
    commands: Sequence[str]


@dataclass(frozen=True, kw_only=True)
class DeliveryPipelineProps:
    pipeline_name: str
    repository: str
    """owner/name, as the connection's provider spells it."""
    branch: str
    connection_arn: str
    """A CodeConnections connection, authorized once by hand in the console (docs/pipeline.md)."""
    synth_commands: Sequence[str]
    """Write the cloud assembly of the pipeline and every environment into cdk.out."""
    checks: Sequence[PipelineCheck]
    waves: Sequence[PipelineWave]
    notification_emails: Sequence[str] = field(default_factory=tuple)
    log_retention_days: int = 365
    removal_policy: RemovalPolicy


class DeliveryPipeline(Construct):
    """The pipeline, its key, artifact bucket, build log group and notices topic, and one
    deployed-commit parameter per approval wave (the next review's base)."""

    def __init__(self, scope: Construct, construct_id: str, *, props: DeliveryPipelineProps) -> None:
        super().__init__(scope, construct_id)
        if not props.waves:
            raise ValueError("a delivery pipeline needs at least one wave")
        key = PlatformKey(
            self,
            "Key",
            alias=f"{props.pipeline_name}-pipeline",
            description=f"{props.pipeline_name}: pipeline artifacts, logs and notices",
            removal_policy=props.removal_policy,
        )
        self.key = key.key
        self.artifacts = artifact_bucket(self, "Artifacts", key=self.key, removal_policy=props.removal_policy)
        logs = encrypted_log_group(
            self, "BuildLogs", key=self.key, retention_days=props.log_retention_days, removal_policy=props.removal_policy
        )
        self.topic = sns.Topic(self, "Notices", display_name=f"{props.pipeline_name} pipeline", master_key=self.key, enforce_ssl=True)
        key.allow_service_to_encrypt("codestar-notifications.amazonaws.com", sid="AllowPipelineNotifications")
        for email in props.notification_emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        self.source = pipelines.CodePipelineSource.connection(
            props.repository, props.branch, connection_arn=props.connection_arn, code_build_clone_output=True
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=props.pipeline_name,
            artifact_bucket=self.artifacts,
            cross_account_keys=True,
            enable_key_rotation=True,
            self_mutation=True,
            use_change_sets=True,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.MEDIUM),
                partial_build_spec=codebuild.BuildSpec.from_object({"phases": {"install": {"runtime-versions": RUNTIME_VERSIONS}}}),
                logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=logs)),
                timeout=Duration.hours(1),
            ),
            synth=pipelines.CodeBuildStep(
                "Synth", input=self.source, commands=list(props.synth_commands), primary_output_directory="cdk.out"
            ),
        )
        self.parameters: dict[str, ssm.StringParameter] = {}
        for index, wave in enumerate(props.waves):
            self._add_wave(wave, props, checks=props.checks if index == 0 else ())
        self.pipeline.build_pipeline()
        self.pipeline.pipeline.notify_on(
            "Notify",
            self.topic,
            events=[
                codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
                codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
                codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
            ],
            detail_type=notifications.DetailType.BASIC,
        )
        for support in self.pipeline.pipeline.cross_region_support.values():
            harden_replication_bucket(support, removal_policy=props.removal_policy)
        acknowledge_generated(self)

    def _add_wave(self, wave: PipelineWave, props: DeliveryPipelineProps, *, checks: Sequence[PipelineCheck]) -> None:
        pre: list[pipelines.Step] = [self._step(c.name, c.commands) for c in checks]
        post: list[pipelines.Step] = []
        if wave.approval:
            parameter = self._deployed_commit(wave, props)
            review = self._review(wave, parameter, props)
            comment = (
                f"Deploys {', '.join(t.name for t in wave.targets)}. Read the review of this change against the commit this wave last "
                f"deployed first: s3://{self.artifacts.bucket_name}/{_review_key(props, wave)} (also in the {review.id} action's log)."
            )
            approve = pipelines.ManualApprovalStep(
                f"Approve-{wave.name}",
                comment=comment,
                review_url=_console_url(self.artifacts, _review_key(props, wave)),
                notification_topic=self.topic,
            )
            approve.add_step_dependency(review)
            for check in pre:
                review.add_step_dependency(check)
            pre += [review, approve]
            post.append(self._record(wave, parameter, _parameter_name(props, wave)))
        stage_wave = self.pipeline.add_wave(wave.name, pre=pre, post=post)
        for target in wave.targets:
            stage_wave.add_stage(target.stage, pre=[self._preflight(target)])

    def _step(self, name: str, commands: Sequence[str], **kwargs: object) -> pipelines.CodeBuildStep:
        return pipelines.CodeBuildStep(name, input=self.source, commands=list(commands), **kwargs)  # type: ignore[arg-type]

    def _preflight(self, target: PipelineTarget) -> pipelines.CodeBuildStep:
        role = lookup_role_arn(Stack.of(self), target.account, target.region)
        return self._step(
            f"Preflight-{target.name}",
            target.preflight_commands,
            env={"LOOKUP_ROLE_ARN": role},
            role_policy_statements=[iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role])],
        )

    def _deployed_commit(self, wave: PipelineWave, props: DeliveryPipelineProps) -> ssm.StringParameter:
        parameter = ssm.StringParameter(
            self,
            f"{_pascal(wave.name)}DeployedCommit",
            parameter_name=_parameter_name(props, wave),
            string_value=NOTHING_DEPLOYED,
            description=f"The commit wave {wave.name} last deployed: its next review compares with it",
        )
        self.parameters[wave.name] = parameter
        return parameter

    def _review(self, wave: PipelineWave, parameter: ssm.StringParameter, props: DeliveryPipelineProps) -> pipelines.CodeBuildStep:
        key = _review_key(props, wave)
        commands = [
            f'BASE="$(aws ssm get-parameter --name {_parameter_name(props, wave)} --query Parameter.Value --output text)"',
            f'if [ "$BASE" = "{NOTHING_DEPLOYED}" ]; then BASE="$(git rev-parse HEAD~1)"; '
            'echo "wave has not deployed yet: reviewing against the previous commit $BASE"; fi',
            "export BASE",
            *wave.review_commands,
            "cat review.md",
            f'aws s3 cp review.md "s3://{self.artifacts.bucket_name}/{key}"',
        ]
        step = self._step(
            f"Review-{wave.name}",
            commands,
            role_policy_statements=[
                iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[parameter.parameter_arn]),
                iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.artifacts.arn_for_objects(key)]),
                iam.PolicyStatement(actions=["kms:GenerateDataKey"], resources=[self.key.key_arn]),
            ],
        )
        return step

    def _record(self, wave: PipelineWave, parameter: ssm.StringParameter, name: str) -> pipelines.CodeBuildStep:
        return pipelines.CodeBuildStep(
            f"Record-{wave.name}",
            commands=[f'aws ssm put-parameter --name {name} --type String --overwrite --value "$COMMIT_ID"'],
            env={"COMMIT_ID": self.source.source_attribute("CommitId")},
            role_policy_statements=[iam.PolicyStatement(actions=["ssm:PutParameter"], resources=[parameter.parameter_arn])],
        )


def lookup_role_arn(stack: Stack, account: str, region: str) -> str:
    """The CDK bootstrap's look-up role of a target account and region (ReadOnlyAccess, no KMS decrypt)."""
    return f"arn:{stack.partition}:iam::{account}:role/cdk-{BOOTSTRAP_QUALIFIER}-lookup-role-{account}-{region}"


def _parameter_name(props: DeliveryPipelineProps, wave: PipelineWave) -> str:
    """Written literally into the buildspecs, so that a reviewer reads which parameter they use."""
    return f"/{props.pipeline_name}/pipeline/{wave.name}/deployed-commit"


def _review_key(props: DeliveryPipelineProps, wave: PipelineWave) -> str:
    return f"reviews/{props.pipeline_name}/{wave.name}/review.md"


def _console_url(bucket: s3.IBucket, key: str) -> str:
    stack = Stack.of(bucket)
    return f"https://{stack.region}.console.aws.amazon.com/s3/object/{bucket.bucket_name}?region={stack.region}&prefix={key}"


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
