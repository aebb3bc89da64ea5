"""The EKS control plane: private endpoint, all control-plane logs to a log group berth owns,
secrets envelope-encrypted, access through access entries only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_guard, acknowledge_managed_policy
from cdk_constructs.egress import EgressRule, limit_egress_of
from cdk_constructs.eks_node_groups import AUTO_MODE_NODE_POLICIES, node_role
from cdk_constructs.errors import cfn_child
from cdk_constructs.log_group import encrypted_log_group

_ALL_LOG_TYPES = [
    eks.ClusterLoggingTypes.API,
    eks.ClusterLoggingTypes.AUDIT,
    eks.ClusterLoggingTypes.AUTHENTICATOR,
    eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
    eks.ClusterLoggingTypes.SCHEDULER,
]
ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
VIEW_POLICY = "AmazonEKSViewPolicy"


@dataclass(frozen=True, kw_only=True)
class EksClusterProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `cluster_name` | (required) | also names the control-plane log group EKS writes to |
    | `version` | (required) | the Kubernetes minor version, e.g. "1.34" |
    | `support` | "EXTENDED" | EKS's default: past standard support the version runs on, billed more; "STANDARD" upgrades |
    | `public_access_cidrs` | () | none: the API endpoint is private only; CIDRs make it public (and private) from those |
    | `public_internet_acknowledged` | False | a public endpoint open to 0.0.0.0/0 is refused by berth's rule EKS1 unless acknowledged |
    | `log_retention_days` | 90 | the control-plane log group |
    | `admins`, `viewers` | () | role ARNs given cluster admin or view access through access entries |
    | `auto_mode_node_pools` | None | Auto Mode with these built-in node pools; None: capacity comes from node groups |
    | `deletion_protection` | True | EKS refuses DeleteCluster while on (turn it off for a first create, which may roll back) |
    | `zonal_shift` | False | ARC zonal shift may move traffic away from an impaired AZ (zone-shift.html) |
    | `control_plane_tier` | None | a Provisioned Control Plane tier (TIER_XL, TIER_2_XL, ...: billed per hour); None: standard |
    """

    cluster_name: str
    version: str
    support: Literal["STANDARD", "EXTENDED"] = "EXTENDED"
    public_access_cidrs: tuple[str, ...] = ()
    public_internet_acknowledged: bool = False
    log_retention_days: int = 90
    admins: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()
    auto_mode_node_pools: tuple[str, ...] | None = None
    deletion_protection: bool = True
    zonal_shift: bool = False
    control_plane_tier: Literal["TIER_XL", "TIER_2_XL", "TIER_4_XL", "TIER_8_XL"] | None = None


def _endpoint(props: EksClusterProps) -> eks.EndpointAccess:
    if not props.public_access_cidrs:
        return eks.EndpointAccess.PRIVATE
    return eks.EndpointAccess.PUBLIC_AND_PRIVATE.only_from(*props.public_access_cidrs)


class PlatformEksCluster(Construct):
    """An `aws_eks_v2` cluster: native AWS::EKS::Cluster, no kubectl Lambda, no nested stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: EksClusterProps,
        vpc: ec2.IVpc,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        # EKS creates /aws/eks/<name>/cluster on first use with no retention and no key;
        # created here first (and before the cluster), it gets both.
        self.log_group = encrypted_log_group(
            self,
            "ControlPlaneLogs",
            key=key,
            retention_days=props.log_retention_days,
            removal_policy=removal_policy,
            name=f"/aws/eks/{props.cluster_name}/cluster",
        )
        auto = props.auto_mode_node_pools is not None
        self.cluster = eks.Cluster(
            self,
            "Cluster",
            cluster_name=props.cluster_name,
            version=eks.KubernetesVersion.of(props.version),
            vpc=vpc,
            vpc_subnets=[ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)],
            endpoint_access=_endpoint(props),
            cluster_logging=_ALL_LOG_TYPES,
            secrets_encryption_key=key,
            # Access entries only, and no implicit admin for whoever ran the deploy.
            bootstrap_cluster_creator_admin_permissions=False,
            # Core add-ons are EKS managed add-ons with pinned versions (or Auto Mode's own).
            bootstrap_self_managed_addons=False,
            default_capacity_type=eks.DefaultCapacityType.AUTOMODE if auto else eks.DefaultCapacityType.NODEGROUP,
            # Without Auto Mode, no unmanaged default node group: capacity comes from node groups.
            default_capacity=None if auto else 0,
            compute=eks.ComputeConfig(
                node_pools=list(props.auto_mode_node_pools or ()),
                node_role=node_role(self, "AutoModeNodeRole", policies=AUTO_MODE_NODE_POLICIES, description="EKS Auto Mode nodes"),
            )
            if auto
            else None,
            control_plane_scaling_tier=getattr(eks.ControlPlaneScalingTier, props.control_plane_tier) if props.control_plane_tier else None,
            removal_policy=removal_policy,
        )
        self.cluster.node.add_dependency(self.log_group)
        # Escape hatch: aws_eks_v2.Cluster has no upgradePolicy property. Written even for
        # EKS's default (EXTENDED) so the template, and the review, say which one applies.
        self._limit_control_plane_egress(vpc)
        cfn_cluster = cfn_child(self.cluster, eks.CfnCluster)
        cfn_cluster.upgrade_policy = eks.CfnCluster.UpgradePolicyProperty(support_type=props.support)
        # Escape hatch: aws_eks_v2.Cluster has no deletionProtection property. Written either
        # way, so the template (and the review) says which applies.
        cfn_cluster.deletion_protection = props.deletion_protection
        if props.zonal_shift:
            # Escape hatch: aws_eks_v2.Cluster has no zonalShiftConfig property.
            cfn_cluster.zonal_shift_config = eks.CfnCluster.ZonalShiftConfigProperty(enabled=True)
        if props.public_internet_acknowledged:
            Validations.of(self.cluster).acknowledge(
                Acknowledgment(
                    id="Berth::Berth-EKS1",
                    reason="The environment's config opts in to a public API endpoint open to 0.0.0.0/0 (allow_public_internet: true).",
                )
            )
        if props.public_access_cidrs:
            acknowledge_guard(
                self.cluster,
                "eks_endpoint_no_public_access_check",
                "The environment's config opts in to a public API endpoint, reachable only from "
                f"{', '.join(props.public_access_cidrs)} (public_access_cidrs); the private endpoint stays on for the nodes.",
            )
        for i, arn in enumerate(props.admins):
            self._grant(f"Admin{i}", arn, ADMIN_POLICY)
        for i, arn in enumerate(props.viewers):
            self._grant(f"Viewer{i}", arn, VIEW_POLICY)
        acknowledge_managed_policy(
            self.cluster.role,
            "AmazonEKSClusterPolicy",
            "The EKS service role policy AWS requires for the control plane; AWS maintains it as EKS adds features.",
        )
        if auto:
            for policy in (
                "AmazonEKSComputePolicy",
                "AmazonEKSBlockStoragePolicy",
                "AmazonEKSLoadBalancingPolicy",
                "AmazonEKSNetworkingPolicy",
            ):
                acknowledge_managed_policy(
                    self.cluster.role,
                    policy,
                    "Required by EKS Auto Mode, which manages compute, storage, load balancing and networking for the cluster.",
                )

    def _limit_control_plane_egress(self, vpc: ec2.IVpc) -> None:
        """The security group berth's control plane gets besides the one EKS creates: out to
        the nodes' kubelets and webhooks on 443 and 10250, and DNS, in the VPC only (the
        minimum of the EKS user guide's "security group requirements"). EKS's own cluster
        security group, on the same network interfaces, keeps its default rules."""
        rules = (
            EgressRule(cidr=vpc.vpc_cidr_block, port=443, description="HTTPS to nodes and pods (webhooks) in the VPC"),
            EgressRule(cidr=vpc.vpc_cidr_block, port=10250, description="the kubelet on every node"),
            EgressRule(cidr=vpc.vpc_cidr_block, port=53, description="DNS (CoreDNS) in the VPC"),
            EgressRule(cidr=vpc.vpc_cidr_block, port=53, protocol="udp", description="DNS (CoreDNS) in the VPC"),
        )
        limit_egress_of(self.cluster.node.find_child("ControlPlaneSecurityGroup"), rules)

    def _grant(self, construct_id: str, principal_arn: str, policy: str) -> None:
        eks.AccessEntry(
            self,
            construct_id,
            cluster=self.cluster,
            principal=principal_arn,
            access_policies=[eks.AccessPolicy.from_access_policy_name(policy, access_scope_type=eks.AccessScopeType.CLUSTER)],
        )
