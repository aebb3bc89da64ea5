"""Deploy and teardown order that aws-cdk-lib does not set for ECS capacity providers."""

from __future__ import annotations

import jsii
from aws_cdk import AspectPriority, Aspects, CfnResource, IAspect, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from constructs import IConstruct


@jsii.implements(IAspect)
class AfterCapacityProviderAssociation:
    """Services and scheduled-task rules depend on the cluster's capacity-provider association.

    They name capacity providers that the association attaches to the cluster: created
    before it, a service fails; deleted after it, the association's deletion fails with "The
    specified capacity provider is in use" (aws-cdk #19275). aws-cdk-lib creates the
    association in an aspect of its own when it visits the cluster, so this runs as an aspect
    too, added with the last priority (AspectPriority.READONLY) so that it runs after it.

    It is added to each service and rule itself (`order_after_capacity_providers`), not to the
    stack: an aspect is a call from jsii's Node into Python for every construct it visits,
    and the ECS stack holds about 34 constructs a service (benchmarks/README.md).
    """

    def __init__(self) -> None:
        # The associations of each stack, found once: a walk of the whole tree per service
        # made the synth time grow with services times resources.
        self._associations: dict[str, list[ecs.CfnClusterCapacityProviderAssociations]] = {}

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, ecs.CfnService | events.CfnRule) and _uses_capacity_providers(node):
            stack = Stack.of(node)
            path = stack.node.path
            if path not in self._associations:
                self._associations[path] = [c for c in stack.node.find_all() if isinstance(c, ecs.CfnClusterCapacityProviderAssociations)]
            for association in self._associations[path]:
                node.add_resource_dependency(association)


def order_after_capacity_providers(ordering: AfterCapacityProviderAssociation, *resources: IConstruct | None) -> None:
    """Order each service (its CfnService) or schedule (its events CfnRule) after the capacity-provider association."""
    for resource in resources:
        if not isinstance(resource, ecs.CfnService | events.CfnRule):
            raise TypeError(f"not a service's or a schedule's CloudFormation resource: {resource}")
        Aspects.of(resource).add(ordering, priority=AspectPriority.READONLY)


def _uses_capacity_providers(resource: CfnResource) -> bool:
    if isinstance(resource, ecs.CfnService):
        return resource.capacity_provider_strategy is not None
    return resource.targets is not None
