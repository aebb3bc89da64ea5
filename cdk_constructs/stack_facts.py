"""A stack's partition, region and account, asked of jsii once per stack.

Each read of `Stack.partition` (or `region`, `account`) is a round trip to jsii's Node
process; the acknowledgments and the ARNs berth writes need them for nearly every resource
(issue 17 counted 42 partition reads at about 1.6 ms each in dev alone). They do not change
once the stack exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from constructs import IConstruct


@dataclass(frozen=True)
class StackFacts:
    stack: Stack
    partition: str
    region: str
    account: str


# Keyed by the stack object (kept alive by its entry, so its id is not reused): apps built one
# after another in one process each get their own stacks, hence their own entries.
_FACTS: dict[int, StackFacts] = {}


def stack_facts(scope: IConstruct) -> StackFacts:
    """The partition, region and account of `scope`'s stack (tokens where the stack has none)."""
    stack = Stack.of(scope)
    facts = _FACTS.get(id(stack))
    if facts is None or facts.stack is not stack:
        facts = _FACTS[id(stack)] = StackFacts(stack, stack.partition, stack.region, stack.account)
    return facts
