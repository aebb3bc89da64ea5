"""PlatformKey alone: rotation, an alias, and the services allowed to use it."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy

from cdk_constructs.platform_key import PlatformKey
from tests.cdk_constructs.support import bare


def test_a_rotating_key_with_its_alias_that_logs_and_auto_scaling_may_use() -> None:
    b = bare()
    key = PlatformKey(b.stack, "Platform", alias="alias/berth/test", description="test key", removal_policy=RemovalPolicy.RETAIN)
    key.allow_auto_scaling()
    template = b.template()
    (resource,) = [r for r in template.find_resources("AWS::KMS::Key").values() if r["Properties"].get("Description") == "test key"]
    assert resource["Properties"]["EnableKeyRotation"] is True
    assert resource["DeletionPolicy"] == "Retain"
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/berth/test"})
    policy = json.dumps(resource["Properties"]["KeyPolicy"])
    assert "logs." in policy
    assert "AWSServiceRoleForAutoScaling" in policy
