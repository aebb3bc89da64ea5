"""grant_permissions alone: one statement each; a wildcard is acknowledged with its reason."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from cdk_constructs.grants import Permission, grant_permissions
from tests.cdk_constructs.support import bare


def test_a_wildcard_resource_carries_its_reason_as_the_acknowledgment() -> None:
    b = bare()
    role = iam.Role(b.stack, "Role", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    reason = "CloudWatch PutMetricData supports no resource-level permission."
    grant_permissions(
        role,
        (
            Permission(actions=("cloudwatch:PutMetricData",), resources=("*",), wildcard_reason=reason),
            Permission(actions=("s3:GetObject",), resources=("arn:aws:s3:::b/*",)),
        ),
    )
    b.template().resource_count_is("AWS::IAM::Policy", 1)
    policy = role.node.find_child("DefaultPolicy")
    acknowledged = (
        [m.data for m in policy.node.metadata if m.type == "aws:cdk:acknowledged-rules"] if hasattr(policy.node, "metadata") else []
    )
    assert any("AwsSolutions::AwsSolutions-IAM5[Resource::*]" in str(d) and reason in str(d) for d in acknowledged), acknowledged
