"""AlarmTopic alone: encrypted, TLS only, and CloudWatch alarms of this prefix may publish."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy

from cdk_constructs.alarm_topic import AlarmTopic
from cdk_constructs.platform_key import PlatformKey
from tests.cdk_constructs.support import bare


def test_only_this_accounts_alarms_of_the_prefix_may_publish_and_each_address_subscribes() -> None:
    b = bare()
    key = PlatformKey(b.stack, "Platform", alias="alias/test", description="test", removal_policy=RemovalPolicy.DESTROY)
    AlarmTopic(b.stack, "Alarms", email_subscriptions=("a@example.com", "b@example.com"), alarm_name_prefix="berth-test-", key=key)
    template = b.template()
    (policy,) = [p for p in template.find_resources("AWS::SNS::TopicPolicy").values() if "cloudwatch" in json.dumps(p)]
    text = json.dumps(policy["Properties"]["PolicyDocument"])
    assert "cloudwatch.amazonaws.com" in text
    assert "alarm:berth-test-*" in text
    assert "aws:SecureTransport" in text
    template.resource_count_is("AWS::SNS::Subscription", 2)
    (topic,) = [
        t for t in template.find_resources("AWS::SNS::Topic").values() if t.get("Properties", {}).get("DisplayName") == "berth alarms"
    ]
    assert "KmsMasterKeyId" in topic["Properties"]
