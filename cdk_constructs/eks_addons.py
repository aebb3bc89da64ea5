"""EKS managed add-ons with pinned versions, each networking/storage add-on with its own role.

aws_eks_v2's L2 `Addon` has no property for the add-on's IAM role, its Pod Identity
associations or conflict resolution, so these are `CfnAddon` (escape hatch by design).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_eks as eks_l1
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from cdk_constructs.acknowledgments import acknowledge_managed_policy
from cdk_constructs.pod_identity import PodIdentityRole


@dataclass(frozen=True)
class _AddonRole:
    service_account: str
    managed_policy: str
    reason: str


# Add-ons that call AWS APIs get their own role through Pod Identity, never the node role.
_ROLES = {
    "vpc-cni": _AddonRole(
        "aws-node",
        "AmazonEKS_CNI_Policy",
        "AWS's policy for the VPC CNI to manage pod ENIs and IPs; attached to the CNI's own role, not the node role.",
    ),
    "aws-ebs-csi-driver": _AddonRole(
        "ebs-csi-controller-sa",
        "service-role/AmazonEBSCSIDriverPolicy",
        "AWS's policy for the EBS CSI controller to create, attach and snapshot volumes; conditioned on the driver's tags.",
    ),
}
# Needed before nodes can become Ready (networking, and credentials for the CNI).
BEFORE_NODES = ("eks-pod-identity-agent", "vpc-cni", "kube-proxy")
# Deployments that need nodes to schedule on.
AFTER_NODES = ("coredns", "aws-ebs-csi-driver")


class ManagedAddons(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cluster: eks.Cluster, versions: dict[str, str]) -> None:
        super().__init__(scope, construct_id)
        self.addons: dict[str, eks_l1.CfnAddon] = {}
        for name in (*BEFORE_NODES, *AFTER_NODES):
            if name not in versions:
                continue
            associations = None
            if name in _ROLES:
                spec = _ROLES[name]
                identity = PodIdentityRole(
                    self,
                    f"{name}-identity",
                    cluster_name=cluster.cluster_name,
                    cluster_arn=cluster.cluster_arn,
                    namespace="kube-system",
                    service_account=spec.service_account,
                    description=f"EKS add-on {name}",
                    associate=False,
                )
                identity.role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(spec.managed_policy))
                acknowledge_managed_policy(identity.role, spec.managed_policy, spec.reason)
                associations = [
                    eks_l1.CfnAddon.PodIdentityAssociationProperty(role_arn=identity.role.role_arn, service_account=spec.service_account)
                ]
            self.addons[name] = eks_l1.CfnAddon(
                self,
                name,
                addon_name=name,
                cluster_name=cluster.cluster_name,
                addon_version=versions[name],
                resolve_conflicts="OVERWRITE",
                pod_identity_associations=associations,
            )
        # Pod Identity credentials need the agent before the CNI starts asking for them.
        if "vpc-cni" in self.addons and "eks-pod-identity-agent" in self.addons:
            self.addons["vpc-cni"].add_resource_dependency(self.addons["eks-pod-identity-agent"])

    def order_around(self, node_groups: list[IConstruct]) -> None:
        """Networking and identity add-ons before the node groups; coredns and storage after."""
        before = [self.addons[n] for n in BEFORE_NODES if n in self.addons]
        after = [self.addons[n] for n in AFTER_NODES if n in self.addons]
        for group in node_groups:
            if before:
                group.node.add_dependency(*before)
            for addon in after:
                addon.node.add_dependency(group)
