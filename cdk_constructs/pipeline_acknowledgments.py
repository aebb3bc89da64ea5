"""The acknowledgments of what CDK Pipelines generates inside berth's delivery pipeline.

Its roles and CodeBuild projects are aws-cdk-lib's, not berth's: their wildcards cannot be
narrowed without rewriting CDK Pipelines. Each finding is acknowledged on its own resource,
with the reason its statement calls for; a wildcard berth has no reason for fails synth.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, acknowledge_compliance, acknowledge_guard
from cdk_constructs.checkov import skip_checkov
from cdk_constructs.errors import ConstructError

# Why each wildcard aws-cdk-lib writes into the pipeline's roles is there, by the actions of
# its statement. A wildcard in a statement not listed here fails synth: it needs a reason first.
_WILDCARD_REASONS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset({"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}),
        "CodeBuild writes its projects' build logs; log streams are named per build, hence the trailing wildcard "
        "(aws-cdk-lib's CodeBuild project grant).",
    ),
    (
        frozenset(
            {
                "codebuild:BatchPutCodeCoverages",
                "codebuild:BatchPutTestCases",
                "codebuild:CreateReport",
                "codebuild:CreateReportGroup",
                "codebuild:UpdateReport",
            }
        ),
        "CodeBuild's test reports of the project, in report groups named after it per build (aws-cdk-lib's CodeBuild project grant).",
    ),
    (
        frozenset({"sts:AssumeRole"}),
        "Self-mutation assumes the tooling account's CDK bootstrap roles and only those: the condition on "
        "iam:ResourceTag/aws-cdk:bootstrap-role limits the wildcard to roles the bootstrap tagged.",
    ),
    (
        frozenset({"cloudformation:DescribeStacks", "s3:ListBucket"}),
        "Self-mutation's `cdk deploy` reads stack status and the bootstrap bucket's listing before it deploys the pipeline "
        "stack; it knows neither resource in advance, and neither action reads data.",
    ),
    (
        frozenset({"codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"}),
        "CDK Pipelines' asset-publishing step starts and follows its own builds (aws-cdk-lib grants these on '*').",
    ),
)
_ARTIFACTS_REASON = (
    "Read and write of the pipeline's own artifact bucket and its key, nothing else: aws-cdk-lib's grant action groups "
    "(object versions, multipart uploads, data keys) and the bucket's objects."
)
_ARTIFACT_ACTIONS = ("s3:", "kms:")
_READS = ("Describe", "Get", "List", "BatchGet")


# cfn-lint 1.58's E3703 validates a CloudFormation action's Configuration.RoleArn as a role ARN
# and reports, under its own id and level Error, the informational I1022 ("Prefer using Fn::Sub
# over Fn::Join with an empty delimiter") for the Fn::Join CDK Pipelines writes for the target's
# execution role (arn:${AWS::Partition}:...): a valid template, labelled as an error.
CFN_LINT_E3703 = (
    "cfn-lint's E3703 reports its informational I1022 (Fn::Join with an empty delimiter) as an error for the execution "
    "role ARNs CDK Pipelines writes into CloudFormation actions (arn:<partition>:iam::<target>:role/...): valid CloudFormation."
)


def acknowledge_generated(pipeline: Construct) -> None:
    """Acknowledge, finding by finding, what CDK Pipelines writes and berth cannot narrow.

    IAM5: each wildcard of each statement, with the reason its actions call for (cdk-nag
    names a finding by the wildcard as it flattens the resource, so the same flattening
    is used here). HIPAA CodeBuildProjectSourceRepoUrl: every project's source is the
    pipeline's artifact (CODEPIPELINE), which the rule, written for GitHub and Bitbucket
    sources, does not tell apart.
    """
    for construct in pipeline.node.find_all():
        if isinstance(construct, codebuild.CfnProject):
            acknowledge_compliance(
                construct.node.scope or construct,
                "CodeBuildProjectSourceRepoUrl",
                "The project's source is the pipeline's own artifact (CODEPIPELINE): the repository is reached through the "
                "CodeConnections connection, and the project holds no repository URL or credential.",
                packs=("HIPAA.Security",),
            )
        if isinstance(construct, codebuild.CfnProject) and _privileged(construct):
            acknowledge_guard(
                construct.node.scope or construct,
                "codebuild_project_environment_privileged_check",
                "CDK Pipelines' publishing of the environments' container image assets: Docker builds the images, and "
                "CodeBuild runs Docker only in privileged mode. The project runs `cdk-assets publish` and nothing else.",
            )
        if isinstance(construct, iam.CfnPolicy):
            _acknowledge_wildcards(construct)
        if isinstance(construct, codepipeline.CfnPipeline):
            construct.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3703"]}})
            construct.add_metadata("berth", {"cfn-lint E3703": CFN_LINT_E3703})


def _privileged(project: codebuild.CfnProject) -> bool:
    environment = Stack.of(project).resolve(project.environment)
    return bool(environment.get("privilegedMode"))


def _acknowledge_wildcards(policy: iam.CfnPolicy) -> None:
    document = Stack.of(policy).resolve(policy.policy_document)
    done: set[str] = set()
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement["Action"])
        resources = [_flatten(r) for r in _as_list(statement["Resource"])]
        findings = [f"Action::{a}" for a in actions if "*" in a] + [f"Resource::{r}" for r in resources if "*" in r]
        if not findings:
            continue
        reason = _reason(actions)
        if reason is None:
            raise ConstructError(policy, f"has wildcards berth has no reason for: {sorted(set(findings))} (actions {actions})")
        for finding in findings:
            if finding not in done:
                acknowledge(policy.node.scope or policy, f"IAM5[{finding}]", reason)
                done.add(finding)
        if "*" in resources and not all(a.split(":", 1)[1].startswith(_READS) for a in actions):
            skip_checkov(policy, "CKV_AWS_111", reason)  # checkov's "write access without constraints"


def _reason(actions: list[str]) -> str | None:
    for known, reason in _WILDCARD_REASONS:
        if set(actions) <= known:
            return reason
    if all(a.startswith(_ARTIFACT_ACTIONS) for a in actions):
        return _ARTIFACTS_REASON
    return None


def _as_list(value: object) -> list:  # type: ignore[type-arg]
    return value if isinstance(value, list) else [value]


def _flatten(reference: object) -> str:
    """A resource as cdk-nag writes it in a finding id (cdk-nag's flattenCfnReference)."""
    if isinstance(reference, str):
        return reference.replace("${", "<").replace("}", ">")
    if isinstance(reference, dict) and len(reference) == 1:
        ((name, value),) = reference.items()
        if name in _INTRINSICS:
            return _INTRINSICS[name](value)
    return json.dumps(reference, separators=(",", ":"))


_INTRINSICS: dict[str, Callable[[Any], str]] = {
    "Fn::Join": lambda v: v[0].join(_flatten(i) for i in v[1]),
    "Fn::Sub": _flatten,
    "Fn::GetAtt": lambda v: f"<{_flatten(v[0])}.{_flatten(v[1])}>",
    "Fn::ImportValue": _flatten,
    "Ref": lambda v: f"<{_flatten(v)}>",
}
