"""The shape of a berth rule, and its adapter to cdk-nag 3's rule interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import jsii
from aws_cdk import CfnResource, Stack
from cdk_nag import IApplyRule, NagMessageLevel, NagRuleCompliance

from cdk_constructs.checks.template import StackTemplate, logical_id, stack_template


class BerthRule(ABC):
    """One rule: a stable id, the resource type it checks, what it means and why it matters.

    `check` gets the resource's properties resolved to plain CloudFormation values (tokens
    become {"Ref": ...} and the like) and answers whether the resource complies.
    """

    rule_id: ClassVar[str]  # "EKS1": reported as Berth-EKS1, acknowledged as Berth::Berth-EKS1
    resource_type: ClassVar[str | tuple[str, ...]]  # one CloudFormation type, or several
    info: ClassVar[str]
    explanation: ClassVar[str]
    level: ClassVar[NagMessageLevel] = NagMessageLevel.ERROR

    @abstractmethod
    def check(self, props: dict[str, Any], node: CfnResource) -> bool: ...


class TemplateRule(BerthRule):
    """A rule that reads the synthesized template (what CloudFormation sees: DeletionPolicy,
    UpdatePolicy, parameters, the other resources) instead of one construct's properties."""

    @abstractmethod
    def check_template(self, logical_id: str, template: StackTemplate) -> bool: ...

    def check(self, props: dict[str, Any], node: CfnResource) -> bool:
        stack = Stack.of(node)
        return self.check_template(logical_id(node, stack), stack_template(stack))


def resource_types(rule: BerthRule) -> tuple[str, ...]:
    return (rule.resource_type,) if isinstance(rule.resource_type, str) else rule.resource_type


def resolved_properties(node: CfnResource) -> dict[str, Any]:
    # `cfnProperties` is protected in TypeScript; jsii exposes it to Python as `_cfn_properties`.
    return Stack.of(node).resolve(node._cfn_properties) or {}


@jsii.implements(IApplyRule)
class AppliedRule:
    """cdk-nag calls this back. Its members must be properties: jsii reads them as such.

    `complies()` evaluates the rule in Python first: a resource that complies needs nothing
    from cdk-nag (its report lists findings, not passes), so the pack hands cdk-nag only the
    rules a resource breaks (or that fail to evaluate), which cdk-nag then reports or finds
    acknowledged. That spares the half-dozen jsii callbacks cdk-nag makes per rule.
    """

    def __init__(self, rule: BerthRule, node: CfnResource) -> None:
        self._rule = rule
        self._node = node
        self._result: NagRuleCompliance | None = None

    def complies(self) -> bool:
        try:
            self._result = self._evaluate(self._node)
        except Exception:  # cdk-nag evaluates it again and reports the error its own way
            return False
        return self._result in (NagRuleCompliance.COMPLIANT, NagRuleCompliance.NOT_APPLICABLE)

    @property
    def explanation(self) -> str:
        return self._rule.explanation

    @property
    def info(self) -> str:
        return self._rule.info

    @property
    def level(self) -> NagMessageLevel:
        return self._rule.level

    @property
    def node(self) -> CfnResource:
        return self._node

    @property
    def rule_suffix_override(self) -> str:
        return self._rule.rule_id

    def rule(self, node: CfnResource) -> NagRuleCompliance:
        return self._result if self._result is not None else self._evaluate(node)

    def _evaluate(self, node: CfnResource) -> NagRuleCompliance:
        props = {} if isinstance(self._rule, TemplateRule) else resolved_properties(node)
        compliant = self._rule.check(props, node)
        return NagRuleCompliance.COMPLIANT if compliant else NagRuleCompliance.NON_COMPLIANT
