"""The customer-managed KMS key of one stack, and the service grants it must carry.

Each stack owns its key (sharing one across stacks would create CloudFormation exports).
Services that write encrypted data on berth's behalf need a statement in the key policy;
an identity policy cannot give them access.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_constructs.checkov import skip_checkov
from cdk_constructs.principals import own_arn

_DATA_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"]


def deny_grants_except_through_aws_services() -> iam.PolicyStatement:
    """AWS Control Tower's CT.KMS.PR.3 statement: grants only for AWS services (EC2 for encrypted
    volumes, EKS for secrets, ...), as its own documentation words it."""
    return iam.PolicyStatement(
        sid="DenyGrantsExceptThroughAwsServices",
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=["kms:CreateGrant"],
        resources=["*"],
        conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
    )


class PlatformKey(Construct):
    """A rotating KMS key with an alias, usable by CloudWatch Logs in this account and region."""

    def __init__(self, scope: Construct, construct_id: str, *, alias: str, description: str, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            alias=alias,
            description=description,
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        # CloudWatch Logs encrypts log groups with the key; scoped to this account's log groups.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogs",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=_DATA_KEY_ACTIONS,
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": own_arn(self, "logs", "log-group:*")}},
            )
        )
        # Grants only for AWS services (EC2 for encrypted volumes, EKS for secrets, ...):
        # AWS Control Tower's CT.KMS.PR.3, as its own documentation words the statement.
        self.key.add_to_resource_policy(deny_grants_except_through_aws_services())

    def allow_service_to_encrypt(self, service_principal: str, *, sid: str) -> None:
        """A service that writes into a topic or queue encrypted with this key, for this account only."""
        stack = Stack.of(self)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[iam.ServicePrincipal(service_principal)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )

    def allow_cloudwatch_alarms(self) -> None:
        """CloudWatch publishes alarm notifications to a topic encrypted with this key."""
        self.allow_service_to_encrypt("cloudwatch.amazonaws.com", sid="AllowCloudWatchAlarmsToEncryptedTopic")

    def allow_auto_scaling(self) -> None:
        """The Auto Scaling service-linked role launches instances with encrypted EBS volumes
        and publishes ASG notifications to an encrypted topic.

        The role is named through `aws:PrincipalArn` rather than as the principal: a key
        policy naming a role that does not exist yet (a fresh account that never had an Auto
        Scaling group) is rejected, while the condition form works before and after it exists.
        """
        stack = Stack.of(self)
        slr = f"arn:{stack.partition}:iam::{stack.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
        conditions = {"StringEquals": {"aws:PrincipalArn": slr, "kms:CallerAccount": stack.account}}
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAutoScalingServiceLinkedRoleUse",
                principals=[iam.AnyPrincipal()],
                actions=_DATA_KEY_ACTIONS,
                resources=["*"],
                conditions=conditions,
            )
        )
        skip_checkov(
            self.key,
            "CKV_AWS_33",
            "The two Principal '*' statements are limited by aws:PrincipalArn to the Auto Scaling service-linked role and "
            "by kms:CallerAccount to this account; checkov does not read conditions.",
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAutoScalingServiceLinkedRoleGrants",
                principals=[iam.AnyPrincipal()],
                actions=["kms:CreateGrant"],
                resources=["*"],
                conditions={**conditions, "Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )
