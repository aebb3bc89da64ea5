"""Managed node groups: the EKS counterpart of ECS container instances.

Every group has a launch template (IMDSv2 required, hop limit 1, every EBS volume encrypted
gp3 with the stack's key, no SSH), a pinned AMI release, and no fixed name: a change that
needs a new node group can then be rolled out by CloudFormation without a name clash.

Accelerated groups (an NVIDIA or Neuron AMI type) are tainted and labelled for their
devices by default, and their instance types are set past aws-cdk-lib's own checks: its
pairing list lags EC2 (no p5, g6f, trn1, trn2; it cannot parse p6-b200) and, for Inferentia
and Trainium types, it installs the Neuron device plugin through a kubectl provider berth
does not run. The caller's data decides the pairing (berth's config validates it). The
device plugins run in the cluster: Bottlerocket's NVIDIA variants ship theirs; on AL2023
the team installs NVIDIA's or Neuron's (an EKS capability, or their GitOps)
(https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_managed_policy
from cdk_constructs.errors import cfn_child
from cdk_constructs.node_volumes import encrypted_node_volumes

_TAINT_EFFECT = {
    "NO_SCHEDULE": eks.TaintEffect.NO_SCHEDULE,
    "PREFER_NO_SCHEDULE": eks.TaintEffect.PREFER_NO_SCHEDULE,
    "NO_EXECUTE": eks.TaintEffect.NO_EXECUTE,
}

# What a worker node needs, and no more: join the cluster and pull images. The VPC CNI's
# permissions are not here: the vpc-cni add-on has its own role (Pod Identity).
_PULL_ONLY = "Pull-only ECR access for the kubelet (narrower than ReadOnly); AWS's documented policy for nodes."
NODE_GROUP_POLICIES = {
    "AmazonEKSWorkerNodePolicy": "AWS's policy for the kubelet to describe the cluster and its node; EKS requires it on the node role.",
    "AmazonEC2ContainerRegistryPullOnly": _PULL_ONLY,
}
# Auto Mode nodes need even less: AWS's minimal node policy.
AUTO_MODE_NODE_POLICIES = {
    "AmazonEKSWorkerNodeMinimalPolicy": "AWS's minimal policy for EKS Auto Mode nodes (the documented node role policy for Auto Mode).",
    "AmazonEC2ContainerRegistryPullOnly": _PULL_ONLY,
}


@dataclass(frozen=True, kw_only=True)
class Taint:
    key: str
    effect: Literal["NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE"]
    value: str | None = None


# AMI type suffix -> (the label value, the device resource pods ask for, which is also the taint key).
_ACCELERATORS = {"_NVIDIA": ("nvidia", "nvidia.com/gpu"), "_NEURON": ("neuron", "aws.amazon.com/neuron")}


@dataclass(frozen=True, kw_only=True)
class NodeGroupProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `instance_types` | (required) | the first is launched while available (On-Demand); all are candidates for Spot |
    | `ami_type` | (required) | an EKS AMI type such as BOTTLEROCKET_ARM_64 |
    | `release_version` | (required) | the pinned AMI release: a new one is a reviewed change |
    | `min_size`, `desired_size`, `max_size` | (required) | the group's range |
    | `capacity_type` | "ON_DEMAND" | or "SPOT" |
    | `disk_gib` | 50 | the node's (encrypted) volume |
    | `max_unavailable_percent` | 33 | nodes replaced at once during an update |
    | `labels` | {} | Kubernetes node labels |
    | `taints` | () | Kubernetes taints (`Taint`) |
    | `accelerator_taint` | True | on an NVIDIA or Neuron AMI type: taint <device resource>=true:NoSchedule (unless `taints` has that key) |
    | `version` | None | the nodes' Kubernetes minor ("1.35"); None: the cluster's at creation, then left where it is |
    """

    instance_types: tuple[str, ...]
    ami_type: str
    release_version: str
    min_size: int
    desired_size: int
    max_size: int
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    disk_gib: int = 50
    max_unavailable_percent: int = 33
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    accelerator_taint: bool = True
    version: str | None = None

    @property
    def bottlerocket(self) -> bool:
        return self.ami_type.startswith("BOTTLEROCKET")

    @property
    def accelerator(self) -> tuple[str, str] | None:
        """(label value, device resource) for an accelerated AMI type, else None."""
        return next((v for suffix, v in _ACCELERATORS.items() if self.ami_type.endswith(suffix)), None)

    def node_labels(self) -> dict[str, str]:
        """`labels`, and accelerator=<nvidia|neuron> on an accelerated group (for node selectors)."""
        return ({"accelerator": self.accelerator[0]} if self.accelerator else {}) | dict(self.labels)

    def node_taints(self) -> tuple[Taint, ...]:
        if self.accelerator is None or not self.accelerator_taint or any(t.key == self.accelerator[1] for t in self.taints):
            return self.taints
        return (*self.taints, Taint(key=self.accelerator[1], value="true", effect="NO_SCHEDULE"))


def node_role(scope: Construct, construct_id: str, *, policies: dict[str, str], description: str) -> iam.Role:
    """A node role holding only `policies` (AWS-managed name -> why it is needed)."""
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"), description=description)
    for name, reason in policies.items():
        role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(name))
        acknowledge_managed_policy(role, name, reason)
    return role


class ManagedNodeGroup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: eks.Cluster,
        props: NodeGroupProps,
        role: iam.IRole,
        key: kms.IKey,
        autoscaler_tags: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        # With ami_type set, the launch template must not name an AMI, and the disk size
        # lives here rather than on the node group.
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            block_devices=encrypted_node_volumes(bottlerocket=props.bottlerocket, size_gib=props.disk_gib, key=key),
            http_tokens=ec2.LaunchTemplateHttpTokens.REQUIRED,
            http_endpoint=True,
            http_put_response_hop_limit=1,
            # One-minute instance metrics, as the ECS container instances have (AWS Control
            # Tower's CT.EC2.PR.10).
            detailed_monitoring=True,
        )
        accelerated = props.accelerator is not None
        self.nodegroup = cluster.add_nodegroup_capacity(
            construct_id,
            ami_type=eks.NodegroupAmiType(props.ami_type),
            release_version=props.release_version,
            capacity_type=eks.CapacityType(props.capacity_type),
            # Accelerated: set below, past the L2's pairing list (see the module's docstring).
            instance_types=None if accelerated else [ec2.InstanceType(t) for t in props.instance_types],
            min_size=props.min_size,
            desired_size=props.desired_size,
            max_size=props.max_size,
            max_unavailable_percentage=props.max_unavailable_percent,
            labels=props.node_labels() or None,
            taints=[eks.TaintSpec(key=t.key, value=t.value, effect=_TAINT_EFFECT[t.effect]) for t in props.node_taints()] or None,
            node_role=role,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template_spec=eks.LaunchTemplateSpec(
                id=self.launch_template.launch_template_id, version=self.launch_template.latest_version_number
            ),
            enable_node_auto_repair=True,
            tags=autoscaler_tags or None,
        )
        if accelerated:
            # Escape hatch: the L2's instance_types would be checked against its own (lagging)
            # AMI pairing list and, for Inferentia/Trainium, need a kubectl provider.
            cfn_child(self.nodegroup, eks.CfnNodegroup).add_property_override("InstanceTypes", list(props.instance_types))
        if props.version is not None:
            # Escape hatch: NodegroupOptions has no `version` (the L2 leaves Version to the
            # cluster's at creation). Moving the nodes after the control plane needs it: the
            # second step of an upgrade (`make upgrade-plan`).
            cfn_child(self.nodegroup, eks.CfnNodegroup).add_property_override("Version", props.version)
