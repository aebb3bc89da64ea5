"""Service principals that only this account's resources can use (confused-deputy protection)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.stack_facts import stack_facts

# The qualifier of the CDK bootstrap (`cdk bootstrap`'s default): it names the bootstrap's roles.
BOOTSTRAP_QUALIFIER = "hnb659fds"


def own_arn(scope: Construct, service: str, resource: str) -> str:
    """An ARN in the stack's partition, region and account: arn:...:<service>:<region>:<account>:<resource>."""
    stack = stack_facts(scope)
    return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"


def service_principal(
    scope: Construct, service: str, *, source_arn: str | None = None, arn_operator: str = "ArnLike", same_account: bool = True
) -> iam.PrincipalBase:
    """`service` limited by aws:SourceAccount (this account) and, given, aws:SourceArn."""
    conditions: dict[str, dict[str, str]] = {}
    if same_account:
        conditions["StringEquals"] = {"aws:SourceAccount": stack_facts(scope).account}
    if source_arn is not None:
        conditions[arn_operator] = {"aws:SourceArn": source_arn}
    return iam.ServicePrincipal(service).with_conditions(conditions)
