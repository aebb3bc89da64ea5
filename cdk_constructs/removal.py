"""The removal policy of stateful resources, chosen per environment in config.

"retain" is CloudFormation's `RetainExceptOnCreate` (RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE),
never plain `Retain`: CloudFormation honours `Retain` when it rolls back a failed *create*,
so a resource with a fixed name (the EKS cluster, the WAF and control-plane log groups)
would survive the rollback and make the retry fail with "already exists" (and a retained
cluster keeps billing). `RetainExceptOnCreate` deletes what a failed create made, and
retains on stack deletion and on replacement like `Retain`.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
"""

from __future__ import annotations

from typing import Literal

from aws_cdk import RemovalPolicy

# What berth retains: kept on stack deletion and on replacement, deleted by a failed create.
RETAIN = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE


def removal_policy(choice: Literal["retain", "destroy"]) -> RemovalPolicy:
    return RETAIN if choice == "retain" else RemovalPolicy.DESTROY
