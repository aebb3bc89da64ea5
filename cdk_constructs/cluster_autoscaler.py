"""The AWS side of Cluster Autoscaler, so the in-cluster controller needs nothing else.

A role reached through Pod Identity (kube-system/cluster-autoscaler) that may change only
the Auto Scaling groups tagged as this cluster's, and the discovery tags the node groups
carry (EKS copies node-group tags to their Auto Scaling groups). Installing the controller's
chart is left to the cluster's GitOps tooling: berth runs no kubectl.
"""

from __future__ import annotations

from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge
from cdk_constructs.pod_identity import PodIdentityRole
from cdk_constructs.principals import own_arn

NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "cluster-autoscaler"


def discovery_tags(cluster_name: str) -> dict[str, str]:
    return {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{cluster_name}": "owned"}


class ClusterAutoscalerIdentity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cluster: eks.Cluster, cluster_name: str) -> None:
        super().__init__(scope, construct_id)
        identity = PodIdentityRole(
            self,
            "Identity",
            cluster_name=cluster.cluster_name,
            cluster_arn=cluster.cluster_arn,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            description="Cluster Autoscaler: scale this cluster's node groups",
        )
        self.role = identity.role
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ScaleOwnNodeGroups",
                actions=["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                resources=["*"],
                conditions={"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}},
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="Discover",
                actions=[
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                resources=["*"],
            )
        )
        nodegroups = own_arn(self, "eks", f"nodegroup/{cluster_name}/*/*")
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid="DescribeNodeGroups", actions=["eks:DescribeNodegroup"], resources=[nodegroups])
        )
        policy = self.role.node.find_child("DefaultPolicy")
        acknowledge(
            policy,
            "IAM5[Resource::*]",
            "Describe* calls support no resource-level permissions; SetDesiredCapacity and TerminateInstance are limited "
            "by the condition to Auto Scaling groups tagged as owned by this cluster (their ARNs are made by EKS).",
        )
        acknowledge(
            policy,
            f"IAM5[Resource::{nodegroups}]",
            "eks:DescribeNodegroup on this cluster's node groups, whose names and ids EKS generates.",
        )
