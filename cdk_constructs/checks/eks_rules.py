"""berth's EKS rules, for the native AWS::EKS::* resources that cdk-nag's EKS rules miss."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_logs as logs

from cdk_constructs.checks.rule import BerthRule, resolved_properties

CONTROL_PLANE_LOG_TYPES = frozenset({"api", "audit", "authenticator", "controllerManager", "scheduler"})


class EksEndpointNotOpenToInternet(BerthRule):
    rule_id = "EKS1"
    resource_type = "AWS::EKS::Cluster"
    info = "The EKS API endpoint is public without an allow list narrower than 0.0.0.0/0."
    explanation = (
        "A public Kubernetes API endpoint open to the internet exposes the control plane to credential stuffing and to "
        "any future API-server vulnerability. Keep it private, or allow only known CIDRs. EKS makes the endpoint public "
        "when EndpointPublicAccess is not set."
    )

    def check(self, props: dict[str, Any], node: CfnResource) -> bool:
        vpc = props.get("resourcesVpcConfig", {})
        if vpc.get("endpointPublicAccess", True) is False:
            return True
        cidrs = vpc.get("publicAccessCidrs") or ["0.0.0.0/0"]
        return "0.0.0.0/0" not in cidrs


class EksControlPlaneLogging(BerthRule):
    rule_id = "EKS2"
    resource_type = "AWS::EKS::Cluster"
    info = "The EKS cluster does not send all five control-plane log types to CloudWatch Logs."
    explanation = (
        "api, audit, authenticator, controllerManager and scheduler logs are the only record of who did what to the "
        "cluster and why the control plane made its decisions; audit logs in particular are needed for incident response."
    )

    def check(self, props: dict[str, Any], node: CfnResource) -> bool:
        enabled = props.get("logging", {}).get("clusterLogging", {}).get("enabledTypes", [])
        return {t.get("type") for t in enabled} >= CONTROL_PLANE_LOG_TYPES


class EksSecretsEncryption(BerthRule):
    rule_id = "EKS3"
    resource_type = "AWS::EKS::Cluster"
    info = "The EKS cluster does not envelope-encrypt Kubernetes secrets with a customer-managed KMS key."
    explanation = (
        "Envelope encryption adds a customer-controlled key (with rotation, a key policy and CloudTrail records of its "
        "use) on top of the EBS encryption of etcd, so secrets stay protected even from someone who reads etcd."
    )

    def check(self, props: dict[str, Any], node: CfnResource) -> bool:
        return any("secrets" in c.get("resources", []) and c.get("provider", {}).get("keyArn") for c in props.get("encryptionConfig", []))


class EksControlPlaneLogGroup(BerthRule):
    rule_id = "EKS4"
    resource_type = "AWS::EKS::Cluster"
    info = "The stack does not create the cluster's /aws/eks/<name>/cluster log group with retention and a KMS key."
    explanation = (
        "EKS creates its control-plane log group on first use with no retention and no customer key, so logs are kept "
        "forever, unencrypted by a key you control. Creating it in the stack first sets both; the cluster needs a "
        "literal name for the log group to be found."
    )

    def check(self, props: dict[str, Any], node: CfnResource) -> bool:
        name = props.get("name")
        if not isinstance(name, str):
            return False
        wanted = f"/aws/eks/{name}/cluster"
        for construct in Stack.of(node).node.find_all():
            if isinstance(construct, logs.CfnLogGroup):
                group = resolved_properties(construct)
                if group.get("logGroupName") == wanted:
                    return bool(group.get("retentionInDays")) and bool(group.get("kmsKeyId"))
        return False


class EksNodegroupLaunchTemplate(BerthRule):
    rule_id = "EKS5"
    resource_type = "AWS::EKS::Nodegroup"
    info = "The managed node group has no launch template, or allows SSH (remote access)."
    explanation = (
        "Without a launch template a node group gets EKS's defaults: IMDSv1 allowed with a hop limit of 2 (pods can "
        "read the node role's credentials) and volumes encrypted only if the account default says so. Remote access "
        "opens SSH to the nodes. berth's launch template rules (EC2x) then check IMDS and encryption."
    )

    def check(self, props: dict[str, Any], node: CfnResource) -> bool:
        return bool(props.get("launchTemplate")) and not props.get("remoteAccess")


RULES: tuple[BerthRule, ...] = (
    EksEndpointNotOpenToInternet(),
    EksControlPlaneLogging(),
    EksSecretsEncryption(),
    EksControlPlaneLogGroup(),
    EksNodegroupLaunchTemplate(),
)
