"""Per-resource checkov skips, each with its reason, written into the resource's Metadata.

checkov reads `Metadata.checkov.skip` in a CloudFormation template; the skip then shows in
the reviewed template next to the resource it concerns. Never a global skip.
"""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import IConstruct

from cdk_constructs.errors import ConstructError


def skip_checkov(construct: IConstruct, check_id: str, reason: str) -> None:
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise ConstructError(construct, f"has no CloudFormation resource to skip checkov's {check_id} on")
    existing = resource.get_metadata("checkov") or {"skip": []}
    skips = [s for s in existing["skip"] if s["id"] != check_id] + [{"id": check_id, "comment": reason}]
    resource.add_metadata("checkov", {"skip": sorted(skips, key=lambda s: s["id"])})
