"""Finding-level cdk-nag acknowledgments, always on the resource, always with a reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnElement, Stack, Token, Validations
from constructs import IConstruct

from cdk_constructs.errors import ConstructError
from cdk_constructs.stack_facts import stack_facts

AWS_SOLUTIONS = "AwsSolutions::AwsSolutions-"
# The compliance packs whose rules share names (NIST 800-53 rev 5 and HIPAA Security).
COMPLIANCE_PACKS = ("NIST.800.53.R5", "HIPAA.Security")


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding (e.g. "IAM5[Resource::*]") on `construct`.

    A finding id built from `stack.partition` holds a token when the app runs without
    cdk.json's context (no partition literals); cdk-nag writes that partition as
    <AWS::Partition>, so the id is written the same way.
    """
    partition = stack_facts(construct).partition
    if Token.is_unresolved(partition):
        rule = rule.replace(partition, "<AWS::Partition>")
    Validations.of(construct).acknowledge(Acknowledgment(id=AWS_SOLUTIONS + rule, reason=reason))


def acknowledge_managed_policy(construct: IConstruct, policy: str, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM4 for one AWS-managed policy (e.g. "AmazonEKSClusterPolicy",
    "service-role/AWSLambdaVPCAccessExecutionRole") on a role, with why that policy is needed."""
    acknowledge(construct, f"IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy}]", reason)


def default_policy(role: IConstruct) -> IConstruct | None:
    """The inline policy aws-cdk-lib adds to a role on its first grant, if it has one yet."""
    return role.node.try_find_child("DefaultPolicy")


# The namespace of AWS Control Tower's proactive-control rules, as cdklabs' cfn-guard
# validator reports them (tools/guard.py runs it).
GUARD = "cdk-validator-cfnguard"


def acknowledge_berth(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one of berth's own rules (e.g. "SG1") on `construct`."""
    Validations.of(construct).acknowledge(Acknowledgment(id=f"Berth::Berth-{rule}", reason=reason))


def acknowledge_guard(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one cfn-guard rule (e.g. "lambda_inside_vpc_check") on `construct`."""
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{GUARD}::{rule}", reason=reason))


def acknowledge_compliance(construct: IConstruct, rule: str, reason: str, *, packs: tuple[str, ...] = COMPLIANCE_PACKS) -> None:
    """Acknowledge one rule of the compliance packs (e.g. "S3DefaultEncryptionKMS") on `construct`."""
    for pack in packs:
        Validations.of(construct).acknowledge(Acknowledgment(id=f"{pack}::{pack}-{rule}", reason=reason))


def nag_ref(resource: IConstruct) -> str:
    """How cdk-nag writes a reference to `resource` inside a finding id: <LogicalId>."""
    cfn = resource.node.default_child if not isinstance(resource, CfnElement) else resource
    if not isinstance(cfn, CfnElement):
        raise ConstructError(resource, "has no CloudFormation element for cdk-nag to name")
    stack = Stack.of(cfn)
    return f"<{stack.resolve(stack.get_logical_id(cfn))}>"
