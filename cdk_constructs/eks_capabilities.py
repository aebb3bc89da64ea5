"""EKS Capabilities: Kubernetes platform features AWS runs for the cluster, outside its nodes.

kro (Kube Resource Orchestrator) composes Kubernetes resources into APIs of the team's own;
ACK (AWS Controllers for Kubernetes) creates AWS resources from Kubernetes ones
(https://docs.aws.amazon.com/eks/latest/userguide/capabilities.html). Each capability acts
through a capability role that EKS assumes (`capabilities.eks.amazonaws.com`, with
`sts:AssumeRole` and `sts:TagSession`: the trust policy AWS documents in
https://docs.aws.amazon.com/eks/latest/userguide/capability-role.html) and reaches the
cluster through an access entry EKS creates for that role. kro needs no AWS permission; ACK
gets exactly the statements given (one per AWS service it manages, least privilege as the
task roles). Deleting a capability keeps what it made (`DeletePropagationPolicy: RETAIN`,
the only value EKS accepts).

aws-cdk-lib has no L2 for capabilities: this is `CfnCapability` (aws-cdk-lib 2.275).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_cdk import aws_eks as eks_l1
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.grants import Permission, grant_permissions


@dataclass(frozen=True, kw_only=True)
class CapabilityProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `name` | (required) | the capability's name in the cluster |
    | `type` | (required) | "KRO" or "ACK" |
    | `permissions` | () | the capability role's statements (`grants.Permission`): ACK's AWS access; kro needs none |
    """

    name: str
    type: Literal["KRO", "ACK"]
    permissions: tuple[Permission, ...] = ()


class EksCapability(Construct):
    """One EKS capability and its capability role."""

    def __init__(self, scope: Construct, construct_id: str, *, cluster: eks.ICluster, props: CapabilityProps) -> None:
        super().__init__(scope, construct_id)
        # AWS's documented trust policy, as it is: EKS does not document the confused-deputy
        # condition keys it sends when it assumes a capability role, and a condition it does
        # not send would leave the capability unable to act.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.SessionTagsPrincipal(iam.ServicePrincipal("capabilities.eks.amazonaws.com")),
            description=f"EKS capability {props.name} ({props.type}) of {cluster.cluster_name}",
        )
        if props.permissions:
            grant_permissions(self.role, props.permissions)
        self.capability = eks_l1.CfnCapability(
            self,
            "Resource",
            capability_name=props.name,
            cluster_name=cluster.cluster_name,
            type=props.type,
            role_arn=self.role.role_arn,
            delete_propagation_policy="RETAIN",
        )
