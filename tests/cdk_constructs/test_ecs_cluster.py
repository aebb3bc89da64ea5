"""PlatformCluster alone: Container Insights, Fargate providers, encrypted Exec logging."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Match

from cdk_constructs.ecs_cluster import PlatformCluster
from tests.cdk_constructs.support import bare


def test_exec_sessions_are_encrypted_and_logged_with_the_given_retention() -> None:
    b = bare()
    PlatformCluster(b.stack, "Platform", vpc=b.vpc, exec_log_retention_days=30, key=b.key, removal_policy=RemovalPolicy.DESTROY)
    template = b.template()
    template.has_resource_properties(
        "AWS::ECS::Cluster",
        {
            "ClusterSettings": [{"Name": "containerInsights", "Value": "enhanced"}],
            "Configuration": {"ExecuteCommandConfiguration": Match.object_like({"Logging": "OVERRIDE", "KmsKeyId": Match.any_value()})},
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30, "KmsKeyId": Match.any_value()})
    template.has_resource_properties(
        "AWS::ECS::ClusterCapacityProviderAssociations", {"CapacityProviders": Match.array_with(["FARGATE", "FARGATE_SPOT"])}
    )
