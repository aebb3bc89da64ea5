"""A stack's synthesized template, for rules that look across resources.

cdk-nag hands a rule one construct; a deploy-readiness rule must also find who uses it (the
alarms that publish to a topic, the log groups encrypted with a key) and read what
CloudFormation will see (DeletionPolicy, UpdatePolicy, template parameters). cdk-nag 3 runs
as a policy-validation plugin, after the templates are written, so the rules read the
template file itself: plain JSON, read once per stack, with no round trip into jsii's Node
process per property (each costs about a millisecond here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import CfnResource, Stack, Stage


@dataclass
class StackTemplate:
    """One synthesized template: resources by logical id, and look-ups over them."""

    template: dict[str, Any]
    _by_type: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, resource in self.resources.items():
            self._by_type.setdefault(resource["Type"], []).append(name)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template.get("Resources", {})

    def of_type(self, type_: str) -> list[tuple[str, dict[str, Any]]]:
        """(logical id, resource) of `type_`; a type ending in "::" is a prefix ("Custom::")."""
        names = [n for t, ns in self._by_type.items() if t == type_ or (type_.endswith("::") and t.startswith(type_)) for n in ns]
        return [(n, self.resources[n]) for n in names]

    def props(self, logical_id: str) -> dict[str, Any]:
        return self.resources.get(logical_id, {}).get("Properties", {})

    def parameter_type(self, name: str) -> str:
        return str(self.template.get("Parameters", {}).get(name, {}).get("Type", ""))


# Keyed by the stack object (kept alive by the entry, so its id is not reused): apps built one
# after another in one test session each get their own stacks, hence their own entries.
_TEMPLATES: dict[int, tuple[Stack, StackTemplate]] = {}


def stack_template(stack: Stack) -> StackTemplate:
    entry = _TEMPLATES.get(id(stack))
    if entry is None or entry[0] is not stack:
        # The stack's own stage: a stack inside a Stage (a pipeline's) is written to its
        # assembly-<stage> folder, not the app's.
        path = Path(Stage.of(stack).outdir) / stack.template_file
        if not path.is_file():
            raise RuntimeError(f"{path} does not exist: berth's template rules run on a synthesized stack (synth the app first)")
        entry = _TEMPLATES[id(stack)] = (stack, StackTemplate(json.loads(path.read_text(encoding="utf-8"))))
    return entry[1]


def logical_id(node: CfnResource, stack: Stack | None = None) -> str:
    """`node`'s logical id in `stack` (its own stack, found when not given).

    The id the stack allocated is one jsii round trip, with or without path metadata (a
    look-up by construct path was two); it ignores `override_logical_id`, so an id the
    template does not hold is resolved from the element itself.
    """
    stack = stack or Stack.of(node)
    allocated = stack.get_logical_id(node)
    if allocated in stack_template(stack).resources:
        return allocated
    return str(stack.resolve(node.logical_id))


def refers_to(value: Any, target: str) -> bool:
    """Whether `value` holds a Ref or Fn::GetAtt to the resource `target`, anywhere inside."""
    if isinstance(value, dict):
        if value.get("Ref") == target:
            return True
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and getatt[0] == target:
            return True
        return any(refers_to(v, target) for v in value.values())
    if isinstance(value, list):
        return any(refers_to(v, target) for v in value)
    return False


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches_action(pattern: Any, action: str) -> bool:
    if not isinstance(pattern, str):
        return False
    if pattern.endswith("*"):
        return action.startswith(pattern[:-1])
    return pattern == action


def allows_service(policy: dict[str, Any], service: str, action: str) -> bool:
    """Whether a resource policy has an Allow statement for `service` (a service principal,
    or one of its regional forms such as logs.<region>.amazonaws.com) and `action`."""
    name = service.split(".", 1)[0]
    for statement in as_list(policy.get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        services = as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if not any(s == service or (isinstance(s, str) and s.startswith(f"{name}.") and s.endswith(".amazonaws.com")) for s in services):
            continue
        if any(_matches_action(a, action) for a in as_list(statement.get("Action"))):
            return True
    return False
