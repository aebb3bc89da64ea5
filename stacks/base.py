"""The base of every berth stack: explicit environment, explicit AZs, cost tags."""

from __future__ import annotations

from typing import Any

from aws_cdk import Environment, Stack, Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from config.models import PlatformConfig


class BerthStack(Stack):
    """A stack pinned to the config's account and region, with the config's AZs.

    With an explicit account and region, aws-cdk-lib asks for an availability-zone look-up
    for any Vpc, even one given `availability_zones=`; under the CLI that fails without
    credentials. Overriding `availability_zones` answers from config instead, so synth never
    needs AWS.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        tags = {"project": config.tags.project, "environment": config.tags.environment, "owner": config.tags.owner, **config.tags.extra}
        if config.tags.cost_center:
            tags["cost-center"] = config.tags.cost_center
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=config.account, region=config.region),
            termination_protection=config.removal_policy == "retain",
            **kwargs,
        )
        self._zones = list(config.availability_zones)
        # Rendered on every taggable resource (not only passed to CloudFormation as stack
        # tags), so the cost-allocation tags are visible in the reviewed template.
        for key, value in sorted(tags.items()):
            Tags.of(self).add(key, value)
        if config.permissions_boundary:
            # Every role in the stack, aws-cdk-lib's own included.
            iam.PermissionsBoundary.of(self).apply(
                iam.ManagedPolicy.from_managed_policy_arn(self, "PermissionsBoundary", config.permissions_boundary)
            )

    @property
    def availability_zones(self) -> list[str]:
        return self._zones
