"""Log groups as berth makes them: KMS-encrypted with the stack's key, with retention."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_guard

# RetentionDays members are named, not numbered; config speaks in days. The list is the
# order of both the enum and config's RetentionDays literal (INFINITE is never offered).
_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
# AWS Control Tower's CT.CLOUDWATCH.PR.2: log groups kept at least a year.
_CONTROL_TOWER_MINIMUM_DAYS = 365
_RETENTION = dict(zip(_DAYS, [m for m in logs.RetentionDays if m is not logs.RetentionDays.INFINITE], strict=True))


def encrypted_log_group(
    scope: Construct, construct_id: str, *, key: kms.IKey, retention_days: int, removal_policy: RemovalPolicy, name: str | None = None
) -> logs.LogGroup:
    group = logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        encryption_key=key,
        retention=_RETENTION[retention_days],
        removal_policy=removal_policy,
    )
    if retention_days < _CONTROL_TOWER_MINIMUM_DAYS:
        acknowledge_guard(
            group,
            "cloudwatch_log_group_retention_period_check",
            f"Kept {retention_days} days, the retention this environment's config chooses for these logs (AWS Control "
            "Tower's CT.CLOUDWATCH.PR.2 asks for a year; an environment that must meet it sets 365 or more).",
        )
    return group
