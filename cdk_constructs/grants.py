"""Granting a workload's role exactly the permissions it is given, one statement each."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_iam as iam

from cdk_constructs.acknowledgments import acknowledge, default_policy


@dataclass(frozen=True, kw_only=True)
class Permission:
    """One IAM statement a workload's role gets. A wildcard resource needs a written reason,
    which becomes the finding-level cdk-nag acknowledgment a security reviewer reads."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    wildcard_reason: str | None = None


def grant_permissions(role: iam.Role, permissions: tuple[Permission, ...]) -> None:
    """One statement per permission; each wildcard resource acknowledged with its reason."""
    for statement in permissions:
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(statement.actions), resources=list(statement.resources)))
    policy = default_policy(role)
    for statement in permissions:
        for resource in statement.resources:
            if "*" in resource and policy is not None and statement.wildcard_reason:
                acknowledge(policy, f"IAM5[Resource::{resource}]", statement.wildcard_reason)
