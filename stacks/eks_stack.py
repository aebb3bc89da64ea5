"""The EKS stack: cluster, capacity (node groups, Fargate, Auto Mode), add-ons, identities."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnOutput, Validations
from constructs import Construct

from cdk_constructs.cluster_autoscaler import ClusterAutoscalerIdentity, discovery_tags
from cdk_constructs.eks_addons import ManagedAddons
from cdk_constructs.eks_capabilities import EksCapability
from cdk_constructs.eks_cluster import PlatformEksCluster
from cdk_constructs.eks_fargate import FargateProfile
from cdk_constructs.eks_node_groups import NODE_GROUP_POLICIES, ManagedNodeGroup, node_role
from cdk_constructs.errors import ConstructError
from cdk_constructs.karpenter import KarpenterIdentity
from cdk_constructs.platform_key import PlatformKey
from cdk_constructs.pod_identity import WorkloadIdentity
from cdk_constructs.removal import removal_policy
from cdk_constructs.shared_vpc import import_vpc
from config.models import PlatformConfig
from stacks.base import BerthStack
from stacks.config_paths import pascal
from stacks.props import capability_props, eks_cluster_props, fargate_profile_props, node_group_props, permissions


class EksStack(BerthStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(
            scope, construct_id, config=config, description=f"berth {config.name}: EKS cluster, capacity and identities", **kwargs
        )
        eks_config = config.eks
        if eks_config is None:
            raise ConstructError(self, "the EKS stack needs an environment with an eks section (build_app adds it only then)")
        removal = removal_policy(config.removal_policy)
        key = PlatformKey(
            self,
            "Key",
            alias=f"alias/berth/{config.name}/eks",
            description=f"berth {config.name} EKS: secrets, logs, EBS",
            removal_policy=removal,
        )
        key.allow_auto_scaling()
        vpc = import_vpc(
            self,
            "Vpc",
            environment=config.name,
            availability_zones=config.availability_zones,
            cidr=str(config.network.cidr),
            public_subnets=False,
        )
        platform = PlatformEksCluster(self, "Eks", props=eks_cluster_props(eks_config), vpc=vpc, key=key.key, removal_policy=removal)
        cluster = platform.cluster
        Validations.of(cluster).acknowledge(
            Acknowledgment(
                id="Annotation::@aws-cdk/aws-eks:clusterMustManuallyTagSubnet",
                reason="The network stack tags the subnets kubernetes.io/role/elb and kubernetes.io/role/internal-elb.",
            )
        )

        addons = ManagedAddons(self, "Addons", cluster=cluster, versions=eks_config.addons)
        tags = discovery_tags(eks_config.cluster_name) if eks_config.autoscaler == "cluster-autoscaler" else {}
        nodes = (
            node_role(self, "NodeRole", policies=NODE_GROUP_POLICIES, description="EKS worker nodes (kubelet only)")
            if eks_config.node_groups
            else None
        )
        groups = [
            ManagedNodeGroup(
                self, pascal(group.name), cluster=cluster, props=node_group_props(group), role=nodes, key=key.key, autoscaler_tags=tags
            ).nodegroup
            for group in eks_config.node_groups
            if nodes is not None
        ]
        addons.order_around(groups)
        for profile in eks_config.fargate_profiles:
            FargateProfile(self, f"{pascal(profile.name)}Fargate", cluster=cluster, vpc=vpc, props=fargate_profile_props(profile))
        if eks_config.autoscaler == "cluster-autoscaler":
            ClusterAutoscalerIdentity(self, "ClusterAutoscaler", cluster=cluster, cluster_name=eks_config.cluster_name)
        elif eks_config.autoscaler == "karpenter":
            KarpenterIdentity(self, "Karpenter", cluster=cluster, cluster_name=eks_config.cluster_name, key=key)
        for workload in eks_config.pod_identities:
            WorkloadIdentity(
                self,
                f"{pascal(workload.name)}Identity",
                cluster_name=cluster.cluster_name,
                cluster_arn=cluster.cluster_arn,
                namespace=workload.namespace,
                service_account=workload.service_account,
                permissions=permissions(workload.permissions),
            )
        for capability in capability_props(eks_config.capabilities, vpc_cidr=str(config.network.cidr)):
            EksCapability(self, f"{pascal(capability.name)}Capability", cluster=cluster, props=capability, vpc=vpc)

        CfnOutput(self, "ClusterName", value=cluster.cluster_name)
        CfnOutput(self, "ClusterArn", value=cluster.cluster_arn)
