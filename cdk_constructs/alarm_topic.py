"""The environment's alarm topic: KMS-encrypted, TLS-only, with the on-call subscriptions.

A topic policy *replaces* SNS's default policy, and `enforce_ssl` writes one whose only
statement is the TLS deny: without an explicit allow, CloudWatch can no longer publish and
every alarm action fails (visible only in the alarm's history). So the policy also allows
`cloudwatch.amazonaws.com` to publish, for this account's alarms whose names start with
`alarm_name_prefix` (aws:SourceAccount and aws:SourceArn, confused-deputy protection).
Auto Scaling notifications publish through the Auto Scaling service-linked role, an IAM
principal of this account whose own policy allows sns:Publish: no statement is needed.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from cdk_constructs.platform_key import PlatformKey
from cdk_constructs.principals import own_arn, service_principal


class AlarmTopic(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, email_subscriptions: tuple[str, ...], alarm_name_prefix: str, key: PlatformKey
    ) -> None:
        super().__init__(scope, construct_id)
        key.allow_cloudwatch_alarms()
        self.topic = sns.Topic(self, "Topic", master_key=key.key, enforce_ssl=True, display_name="berth alarms")
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[
                    service_principal(
                        self, "cloudwatch.amazonaws.com", source_arn=own_arn(self, "cloudwatch", f"alarm:{alarm_name_prefix}*")
                    )
                ],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
            )
        )
        for email in email_subscriptions:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
