"""IAM roles for Kubernetes service accounts through EKS Pod Identity (native, no kubectl)."""

from __future__ import annotations

from aws_cdk import aws_eks as eks_l1
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.grants import Permission, grant_permissions
from cdk_constructs.principals import service_principal


def pod_identity_principal(scope: Construct, cluster_arn: str) -> iam.IPrincipal:
    """pods.eks.amazonaws.com with sts:TagSession, for this account's cluster only."""
    return iam.SessionTagsPrincipal(service_principal(scope, "pods.eks.amazonaws.com", source_arn=cluster_arn, arn_operator="ArnEquals"))


class PodIdentityRole(Construct):
    """A role assumable only through a Pod Identity association, and the association itself.

    `associate=False` leaves the association to its owner (an EKS add-on associates its own
    roles through the add-on's PodIdentityAssociations).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        cluster_arn: str,
        namespace: str,
        service_account: str,
        description: str,
        associate: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.namespace = namespace
        self.service_account = service_account
        self.role = iam.Role(self, "Role", assumed_by=pod_identity_principal(self, cluster_arn), description=description)
        if associate:
            eks_l1.CfnPodIdentityAssociation(
                self,
                "Association",
                cluster_name=cluster_name,
                namespace=namespace,
                service_account=service_account,
                role_arn=self.role.role_arn,
            )


class WorkloadIdentity(Construct):
    """A workload's service account, with a role that holds only the permissions it is given."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        cluster_arn: str,
        namespace: str,
        service_account: str,
        permissions: tuple[Permission, ...],
    ) -> None:
        super().__init__(scope, construct_id)
        identity = PodIdentityRole(
            self,
            "Identity",
            cluster_name=cluster_name,
            cluster_arn=cluster_arn,
            namespace=namespace,
            service_account=service_account,
            description=f"{namespace}/{service_account}",
        )
        self.role = identity.role
        grant_permissions(self.role, permissions)
