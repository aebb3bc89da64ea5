"""Finding-level cdk-nag acknowledgments, always on the resource, always with a reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct

AWS_SOLUTIONS = "AwsSolutions::AwsSolutions-"


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding (e.g. "IAM5[Resource::*]") on `construct`."""
    Validations.of(construct).acknowledge(Acknowledgment(id=AWS_SOLUTIONS + rule, reason=reason))


def nag_ref(resource: IConstruct) -> str:
    """How cdk-nag writes a reference to `resource` inside a finding id: <LogicalId>."""
    cfn = resource.node.default_child if not isinstance(resource, CfnElement) else resource
    assert isinstance(cfn, CfnElement)
    stack = Stack.of(cfn)
    return f"<{stack.resolve(stack.get_logical_id(cfn))}>"
