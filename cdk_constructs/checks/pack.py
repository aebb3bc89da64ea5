"""berth's cdk-nag 3 pack: runs every berth rule on every CfnResource of its type."""

from __future__ import annotations

from aws_cdk import CfnResource
from cdk_nag import NagPack
from constructs import IConstruct

from cdk_constructs.checks import ec2_rules, eks_rules
from cdk_constructs.checks.rule import AppliedRule, BerthRule

PACK_NAME = "Berth"
RULES: tuple[BerthRule, ...] = (*eks_rules.RULES, *ec2_rules.RULES)


class BerthChecks(NagPack):
    def __init__(self, scope: IConstruct | None = None) -> None:
        super().__init__(scope)
        self._pack_name = PACK_NAME
        self._by_type: dict[str, list[BerthRule]] = {}
        for rule in RULES:
            self._by_type.setdefault(rule.resource_type, []).append(rule)

    @property
    def name(self) -> str:
        return PACK_NAME

    def _check_resource(self, node: CfnResource) -> None:
        for rule in self._by_type.get(node.cfn_resource_type, ()):
            self._apply_rule(AppliedRule(rule, node))
