"""Fargate profiles: pods that match a selector run on Fargate, each profile with its own
pod execution role (pull images, write logs), in the private subnets."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_managed_policy
from cdk_constructs.principals import own_arn, service_principal


@dataclass(frozen=True, kw_only=True)
class FargateSelector:
    """Pods in `namespace` (with every one of `labels`, if any) run on Fargate."""

    namespace: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class FargateProfileProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `name` | (required) | the profile's name, in its role's description |
    | `selectors` | (required) | which pods run on Fargate (EKS allows up to five) |
    """

    name: str
    selectors: tuple[FargateSelector, ...]


class FargateProfile(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cluster: eks.Cluster, vpc: ec2.IVpc, props: FargateProfileProps) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "PodExecutionRole",
            assumed_by=service_principal(
                self,
                "eks-fargate-pods.amazonaws.com",
                source_arn=own_arn(self, "eks", f"fargateprofile/{cluster.cluster_name}/*"),
                same_account=False,
            ),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKSFargatePodExecutionRolePolicy")],
            description=f"Fargate profile {props.name}: pull images, write logs",
        )
        acknowledge_managed_policy(
            self.role,
            "AmazonEKSFargatePodExecutionRolePolicy",
            "AWS's documented pod execution policy (ECR pull); the trust policy limits it to this cluster's Fargate profiles.",
        )
        self.profile = eks.FargateProfile(
            self,
            "Profile",
            cluster=cluster,
            selectors=[eks.Selector(namespace=s.namespace, labels=dict(s.labels) or None) for s in props.selectors],
            pod_execution_role=self.role,
            vpc=vpc,
            subnet_selection=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        )
