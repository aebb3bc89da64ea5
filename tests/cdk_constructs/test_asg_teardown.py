"""ForceDeleteGroupOnTeardown and RefreshInstancesOnLaunchTemplateChange, through the
capacity that creates them: one function, allowed to act on this group only."""

from __future__ import annotations

import json

from cdk_constructs.asg_teardown import ForceDeleteGroupOnTeardown
from cdk_constructs.instance_refresh import TRIGGER_PROPERTY, RefreshInstancesOnLaunchTemplateChange
from tests.cdk_constructs.support import bare


def test_teardown_deletes_only_this_group_on_stack_deletion_and_refresh_follows_the_launch_template() -> None:
    b = bare()
    b.capacity(b.cluster())
    template = b.template()
    customs = template.find_resources("Custom::AWS")
    teardown = next(r for name, r in customs.items() if "Teardown" in name)
    refresh = next(r for name, r in customs.items() if "Refresh" in name)
    assert "DeleteAutoScalingGroup" in json.dumps(teardown["Properties"].get("Delete", ""))
    assert "ForceDelete" in json.dumps(teardown["Properties"].get("Delete", ""))
    assert "LatestVersionNumber" in json.dumps(refresh["Properties"][TRIGGER_PROPERTY])
    kinds = [type(c) for c in b.stack.node.find_all()]
    assert kinds.count(ForceDeleteGroupOnTeardown) == kinds.count(RefreshInstancesOnLaunchTemplateChange) == 1
    template.resource_count_is("AWS::Lambda::Function", 2)  # the shared custom-resource function, and bare()'s VPC handler
    policies = [
        json.dumps(p["Properties"]["PolicyDocument"])
        for name, p in template.find_resources("AWS::IAM::Policy").items()
        if "Teardown" in name
    ]
    assert any("autoscaling:DeleteAutoScalingGroup" in p for p in policies)
