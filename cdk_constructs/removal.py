"""The removal policy of stateful resources, chosen per environment in config."""

from __future__ import annotations

from typing import Literal

from aws_cdk import RemovalPolicy


def removal_policy(choice: Literal["retain", "destroy"]) -> RemovalPolicy:
    return RemovalPolicy.RETAIN if choice == "retain" else RemovalPolicy.DESTROY
