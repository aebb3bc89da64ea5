"""The error a berth construct raises when its props or its scope cannot work.

aws-cdk-lib's own `ValidationError` (which carries the construct) is not exported to
Python, so berth has this one: the message starts with the construct's path, it survives
`python -O` (unlike an `assert`), and app.py reports it like a config error: one message,
exit 2, no traceback, no assembly left behind.
"""

from __future__ import annotations

from typing import TypeVar

from constructs import IConstruct

T = TypeVar("T")


class ConstructError(Exception):
    """`scope` refused: `str()` is "<construct path>: <why>"."""

    def __init__(self, scope: IConstruct, message: str) -> None:
        self.path = scope.node.path
        self.reason = message
        super().__init__(f"{self.path}: {message}")


def cfn_child(scope: IConstruct, kind: type[T]) -> T:
    """`scope`'s default child as the L1 type an escape hatch needs, or a ConstructError."""
    child = scope.node.default_child
    if not isinstance(child, kind):
        raise ConstructError(scope, f"expected its CloudFormation resource to be a {kind.__name__}, found {type(child).__name__}")
    return child
