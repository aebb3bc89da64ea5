"""DeliveryPipeline alone: one small target stack in another account, in a bare app."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, RemovalPolicy, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from cdk_constructs.delivery_pipeline import DeliveryPipeline, DeliveryPipelineProps, PipelineCheck, PipelineTarget, PipelineWave
from cdk_constructs.errors import ConstructError
from cdk_constructs.pipeline_acknowledgments import _flatten
from stacks.context import project_context

TARGET = ("111111111111", "eu-west-1")


def _target(app: App, name: str) -> PipelineTarget:
    stage = Stage(app, f"Target{name.capitalize()}", env=Environment(account=TARGET[0], region=TARGET[1]))
    sns.Topic(Stack(stage, "Topics"), "Topic")
    return PipelineTarget(name=name, stage=stage, account=TARGET[0], region=TARGET[1], preflight_commands=[f"make preflight ENV={name}"])


def _pipeline(*, approval: bool = False, emails: tuple[str, ...] = (), waves: int = 1) -> tuple[Stack, DeliveryPipeline]:
    app = App(context=project_context())
    stack = Stack(app, "Tooling", env=Environment(account="444444444444", region="eu-west-1"))
    pipeline = DeliveryPipeline(
        stack,
        "Delivery",
        props=DeliveryPipelineProps(
            pipeline_name="berth",
            repository="example-org/berth",
            branch="main",
            connection_arn="arn:aws:codeconnections:eu-west-1:444444444444:connection/0d9f2c4e-5b7a-4c1e-9f3a-2b8d6e4a1c70",
            synth_commands=("make pipeline-synth",),
            checks=[PipelineCheck(name="Test", commands=("make test",))],
            waves=[
                PipelineWave(name=f"w{i}", targets=[_target(app, f"env{i}")], approval=approval, review_commands=("make review",))
                for i in range(waves)
            ],
            notification_emails=emails,
            removal_policy=RemovalPolicy.DESTROY,
        ),
    )
    return stack, pipeline


def _stages(template: Template) -> list[dict[str, Any]]:
    (pipeline,) = template.find_resources("AWS::CodePipeline::Pipeline").values()
    return pipeline["Properties"]["Stages"]


def test_a_wave_without_approval_has_no_review_approval_or_record() -> None:
    stack, _ = _pipeline()
    template = Template.from_stack(stack)
    # A wave of one environment is one pipeline stage, named after the environment's Stage.
    names = [a["Name"] for s in _stages(template) if s["Name"] == "TargetEnv0" for a in s["Actions"]]
    assert "Preflight-env0" in names
    assert not [n for n in names if n.startswith(("Review", "Approve", "Record"))]
    assert template.find_resources("AWS::SSM::Parameter") == {}


def test_an_approval_wave_records_what_it_deployed_and_its_review_may_only_read_that() -> None:
    stack, pipeline = _pipeline(approval=True)
    template = Template.from_stack(stack)
    (parameter,) = template.find_resources("AWS::SSM::Parameter").values()
    assert parameter["Properties"]["Name"] == "/berth/pipeline/w0/deployed-commit"
    assert parameter["Properties"]["Value"] == "none"
    writes = [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "ssm:PutParameter" in s["Action"]
    ]
    assert len(writes) == 1, "only the record step writes the deployed commit"
    assert set(pipeline.parameters) == {"w0"}


def test_the_checks_run_in_the_first_wave_only() -> None:
    stack, _ = _pipeline(waves=2)
    stages = {s["Name"]: [a["Name"] for a in s["Actions"]] for s in _stages(Template.from_stack(stack))}
    assert "Test" in stages["TargetEnv0"]
    assert "Test" not in stages["TargetEnv1"]


def test_emails_are_subscribed_to_the_encrypted_topic() -> None:
    stack, _ = _pipeline(emails=("a@example.com", "b@example.com"))
    template = Template.from_stack(stack)
    assert {s["Properties"]["Endpoint"] for s in template.find_resources("AWS::SNS::Subscription").values()} == {
        "a@example.com",
        "b@example.com",
    }


def test_a_pipeline_needs_a_wave() -> None:
    app = App(context=project_context())
    stack = Stack(app, "Tooling", env=Environment(account="444444444444", region="eu-west-1"))
    props = DeliveryPipelineProps(
        pipeline_name="berth",
        repository="o/r",
        branch="main",
        connection_arn="arn:aws:codeconnections:eu-west-1:444444444444:connection/0d9f2c4e-5b7a-4c1e-9f3a-2b8d6e4a1c70",
        synth_commands=(),
        checks=[],
        waves=[],
        removal_policy=RemovalPolicy.DESTROY,
    )
    with pytest.raises(ValueError, match="at least one wave"):
        DeliveryPipeline(stack, "Delivery", props=props)


def test_a_wildcard_without_a_reason_fails_the_build() -> None:
    """A statement CDK Pipelines (or a later change) adds with a wildcard berth cannot explain is refused, not waved through."""
    from cdk_constructs.pipeline_acknowledgments import acknowledge_generated  # noqa: PLC0415

    stack, pipeline = _pipeline()
    role = iam.Role(pipeline, "Extra", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=["*"]))
    with pytest.raises(ConstructError, match="no reason for"):
        acknowledge_generated(pipeline)
    assert stack


@pytest.mark.parametrize(
    ("reference", "flat"),
    [
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/*"),
        ({"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]}, "<Bucket.Arn>/*"),
        (
            {"Fn::Join": ["", ["arn:aws:logs:r:1:log-group:/aws/codebuild/", {"Ref": "Project"}, ":*"]]},
            "arn:aws:logs:r:1:log-group:/aws/codebuild/<Project>:*",
        ),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::x/*"}, "arn:<AWS::Partition>:s3:::x/*"),
        ({"Fn::If": ["C", "a", "b"]}, '{"Fn::If":["C","a","b"]}'),
    ],
)
def test_resources_are_flattened_as_cdk_nag_names_them(reference: object, flat: str) -> None:
    assert _flatten(reference) == flat
