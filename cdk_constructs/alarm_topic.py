"""The environment's alarm topic: KMS-encrypted, TLS-only, with the on-call subscriptions."""

from __future__ import annotations

from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from cdk_constructs.platform_key import PlatformKey
from config.models import AlarmsConfig


class AlarmTopic(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: AlarmsConfig, key: PlatformKey) -> None:
        super().__init__(scope, construct_id)
        key.allow_cloudwatch_alarms()
        self.topic = sns.Topic(self, "Topic", master_key=key.key, enforce_ssl=True, display_name="berth alarms")
        for email in config.email_subscriptions:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
