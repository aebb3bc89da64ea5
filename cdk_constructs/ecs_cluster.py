"""The ECS cluster: Container Insights, Fargate providers, and ECS Exec's encrypted logging."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_guard
from cdk_constructs.log_group import encrypted_log_group


class PlatformCluster(Construct):
    """An ECS cluster with FARGATE and FARGATE_SPOT providers and enhanced Container Insights.

    ECS Exec is configured here (KMS-encrypted sessions, audit log to an encrypted log group)
    but each service opts in on its own; see `WorkloadService`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        exec_log_retention_days: int = 365,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.exec_log_group = encrypted_log_group(
            self, "ExecLogs", key=key, retention_days=exec_log_retention_days, removal_policy=removal_policy
        )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENHANCED,
            enable_fargate_capacity_providers=True,
            execute_command_configuration=ecs.ExecuteCommandConfiguration(
                kms_key=key,
                logging=ecs.ExecuteCommandLogging.OVERRIDE,
                log_configuration=ecs.ExecuteCommandLogConfiguration(
                    cloud_watch_log_group=self.exec_log_group,
                    cloud_watch_encryption_enabled=True,
                ),
            ),
        )
        acknowledge_guard(
            self.cluster,
            "ecs_container_insights_enabled_check",
            "Container Insights is on, as 'enhanced' (enhanced observability, a superset of 'enabled'); the rule accepts "
            "only the literal 'enabled'.",
        )
