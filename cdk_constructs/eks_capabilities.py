"""EKS Capabilities: Kubernetes platform features AWS runs for the cluster, outside its nodes.

kro (Kube Resource Orchestrator) composes Kubernetes resources into APIs of the team's own;
ACK (AWS Controllers for Kubernetes) creates AWS resources from Kubernetes ones; Argo CD
deploys from Git (https://docs.aws.amazon.com/eks/latest/userguide/capabilities.html). Each capability acts
through a capability role that EKS assumes (`capabilities.eks.amazonaws.com`, with
`sts:AssumeRole` and `sts:TagSession`: the trust policy AWS documents in
https://docs.aws.amazon.com/eks/latest/userguide/capability-role.html) and reaches the
cluster through an access entry EKS creates for that role. kro needs no AWS permission; ACK
gets exactly the statements given (one per AWS service it manages, least privilege as the
task roles). Deleting a capability keeps what it made (`DeletePropagationPolicy: RETAIN`,
the only value EKS accepts).

Argo CD signs people in through IAM Identity Center, with its roles (ADMIN, EDITOR, VIEWER)
mapped to Identity Center groups and users, and serves its UI and API from an endpoint AWS
runs. That endpoint is public unless VPC endpoint ids are given; here it is private unless
asked otherwise: an interface endpoint for `com.amazonaws.<region>.eks-capabilities` in the
private subnets, HTTPS from the VPC (and the client networks given) only. AWS then points
the Argo CD host name at the endpoint's addresses itself, so the endpoint has no private DNS
of its own (https://docs.aws.amazon.com/eks/latest/userguide/argocd-private-access.html).

aws-cdk-lib has no L2 for capabilities: this is `CfnCapability` (aws-cdk-lib 2.275).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks as eks_l1
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.grants import Permission, grant_permissions


@dataclass(frozen=True, kw_only=True)
class ArgoCdRole:
    """An Argo CD role and the Identity Center groups and users that hold it."""

    role: Literal["ADMIN", "EDITOR", "VIEWER"]
    groups: tuple[str, ...] = ()
    users: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ArgoCdProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `identity_center_instance_arn` | (required) | where people sign in |
    | `rbac` | (required) | `ArgoCdRole`s: who may do what |
    | `identity_center_region` | None | the instance's home region; None: the stack's |
    | `namespace` | "argocd" | where Argo CD's resources live |
    | `vpc_cidr` | None | set: private, through an endpoint berth creates (HTTPS from this CIDR); None: public |
    | `client_cidrs` | () | more networks allowed to reach the private endpoint |
    """

    identity_center_instance_arn: str
    rbac: tuple[ArgoCdRole, ...]
    identity_center_region: str | None = None
    namespace: str = "argocd"
    vpc_cidr: str | None = None
    client_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CapabilityProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `name` | (required) | the capability's name in the cluster |
    | `type` | (required) | "KRO", "ACK" or "ARGOCD" |
    | `permissions` | () | the capability role's statements (`grants.Permission`): ACK's AWS access; kro and Argo CD need none |
    | `argo_cd` | None | Argo CD's settings (`ArgoCdProps`; required for "ARGOCD") |
    """

    name: str
    type: Literal["KRO", "ACK", "ARGOCD"]
    permissions: tuple[Permission, ...] = ()
    argo_cd: ArgoCdProps | None = None


class EksCapability(Construct):
    """One EKS capability and its capability role."""

    def __init__(
        self, scope: Construct, construct_id: str, *, cluster: eks.ICluster, props: CapabilityProps, vpc: ec2.IVpc | None = None
    ) -> None:
        """`vpc`: the cluster's, for Argo CD's private endpoint (required when `argo_cd.vpc_cidr` is set)."""
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
            configuration=self._argo_cd(props, vpc) if props.type == "ARGOCD" else None,
        )

    def _argo_cd(self, props: CapabilityProps, vpc: ec2.IVpc | None) -> eks_l1.CfnCapability.CapabilityConfigurationProperty:
        argo = props.argo_cd
        if argo is None:
            raise ValueError("an ARGOCD capability needs argo_cd (ArgoCdProps)")
        mappings = [
            eks_l1.CfnCapability.ArgoCdRoleMappingProperty(
                role=r.role,
                identities=[
                    *(eks_l1.CfnCapability.SsoIdentityProperty(id=g, type="SSO_GROUP") for g in r.groups),
                    *(eks_l1.CfnCapability.SsoIdentityProperty(id=u, type="SSO_USER") for u in r.users),
                ],
            )
            for r in argo.rbac
        ]
        network = None
        if argo.vpc_cidr is not None:
            if vpc is None:
                raise ValueError("a private Argo CD endpoint needs the cluster's vpc")
            self.endpoint = self._private_endpoint(vpc, argo)
            network = eks_l1.CfnCapability.NetworkAccessProperty(vpce_ids=[self.endpoint.vpc_endpoint_id])
        return eks_l1.CfnCapability.CapabilityConfigurationProperty(
            argo_cd=eks_l1.CfnCapability.ArgoCdProperty(
                aws_idc=eks_l1.CfnCapability.AwsIdcProperty(
                    idc_instance_arn=argo.identity_center_instance_arn,
                    idc_region=argo.identity_center_region or Stack.of(self).region,
                ),
                namespace=argo.namespace,
                network_access=network,
                rbac_role_mappings=mappings,
            )
        )

    def _private_endpoint(self, vpc: ec2.IVpc, argo: ArgoCdProps) -> ec2.InterfaceVpcEndpoint:
        group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=vpc,
            description="Argo CD private endpoint: HTTPS from the VPC and client networks",
            allow_all_outbound=False,
        )
        for cidr, why in ((argo.vpc_cidr, "the VPC"), *((c, "a client network") for c in argo.client_cidrs)):
            group.add_ingress_rule(ec2.Peer.ipv4(str(cidr)), ec2.Port.tcp(443), f"HTTPS to Argo CD from {why}")
        return ec2.InterfaceVpcEndpoint(
            self,
            "Endpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointService(f"com.amazonaws.{Stack.of(self).region}.eks-capabilities", 443),
            subnets=ec2.SubnetSelection(subnets=vpc.private_subnets),
            security_groups=[group],
            open=False,
            # AWS points the Argo CD host name at the endpoint itself (argocd-private-access.html).
            private_dns_enabled=False,
        )
