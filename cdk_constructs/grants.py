"""Granting a workload's role exactly the permissions its config lists."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from cdk_constructs.acknowledgments import acknowledge
from config.iam import Permission


def grant_permissions(role: iam.Role, permissions: tuple[Permission, ...]) -> None:
    """One statement per config entry. Config refuses a wildcard resource without a written
    reason; that reason becomes the finding-level cdk-nag acknowledgment."""
    for statement in permissions:
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(statement.actions), resources=list(statement.resources)))
    policy = role.node.try_find_child("DefaultPolicy")
    for statement in permissions:
        for resource in statement.resources:
            if "*" in resource and policy is not None and statement.wildcard_reason:
                acknowledge(policy, f"IAM5[Resource::{resource}]", statement.wildcard_reason)
