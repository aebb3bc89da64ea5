"""berth's cdk-nag 3 pack: runs every berth rule on every CfnResource of its type."""

from __future__ import annotations

from aws_cdk import CfnResource
from cdk_nag import NagPack
from constructs import IConstruct

from cdk_constructs.checks import deploy_rules, ec2_rules, eks_rules
from cdk_constructs.checks.rule import AppliedRule, BerthRule, resource_types

PACK_NAME = "Berth"
RULES: tuple[BerthRule, ...] = (*eks_rules.RULES, *ec2_rules.RULES, *deploy_rules.RULES)


class BerthChecks(NagPack):
    def __init__(self, scope: IConstruct | None = None) -> None:
        super().__init__(scope)
        self._pack_name = PACK_NAME
        self._by_type: dict[str, list[BerthRule]] = {}
        for rule in RULES:
            for type_ in resource_types(rule):
                self._by_type.setdefault(type_, []).append(rule)

    @property
    def name(self) -> str:
        return PACK_NAME

    def _check_resource(self, node: CfnResource) -> None:
        for rule in self._by_type.get(_resource_type(node), ()):
            applied = AppliedRule(rule, node)
            if not applied.complies():  # cdk-nag needs only what it may report (AppliedRule says why)
                self._apply_rule(applied)


# An L1 class's CloudFormation type, by Python class: read once per class (a class constant)
# instead of once per resource (each read is a jsii round trip, and dev has ~230 resources).
_TYPE_OF_CLASS: dict[type, str] = {}


def _resource_type(node: CfnResource) -> str:
    cls = type(node)
    if "CFN_RESOURCE_TYPE_NAME" not in vars(cls):  # a plain CfnResource (a custom resource): its own type
        return node.cfn_resource_type
    if cls not in _TYPE_OF_CLASS:
        _TYPE_OF_CLASS[cls] = cls.CFN_RESOURCE_TYPE_NAME
    return _TYPE_OF_CLASS[cls]
