"""stack_facts: read once per stack, never shared between stacks or apps."""

from __future__ import annotations

from aws_cdk import App, Environment, Stack
from constructs import Construct

from cdk_constructs.stack_facts import stack_facts


def test_facts_are_the_stacks_own_and_read_once() -> None:
    app = App()
    stack = Stack(app, "One", env=Environment(account="111111111111", region="eu-west-1"))
    child = Construct(stack, "Child")
    facts = stack_facts(child)
    assert (facts.partition, facts.region, facts.account) == (stack.partition, "eu-west-1", "111111111111")
    assert stack_facts(stack) is facts, "one read per stack"
    other = Stack(App(), "One", env=Environment(account="222222222222", region="us-east-1"))
    assert (stack_facts(other).account, stack_facts(other).region) == ("222222222222", "us-east-1")
