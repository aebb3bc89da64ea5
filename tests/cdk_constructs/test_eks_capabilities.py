"""EksCapability alone: the capability, and a role EKS can assume that may do what it is given."""

from __future__ import annotations

import json
from dataclasses import replace

from aws_cdk.assertions import Template

from cdk_constructs.eks_capabilities import ArgoCdProps, ArgoCdRole, CapabilityProps, EksCapability
from cdk_constructs.grants import Permission
from tests.cdk_constructs.support import bare


def _capability(props: CapabilityProps) -> Template:
    b = bare()
    EksCapability(b.stack, "Capability", cluster=b.eks_cluster(), props=props, vpc=b.vpc)
    return b.template()


ARGO = ArgoCdProps(
    identity_center_instance_arn="arn:aws:sso:::instance/ssoins-7223b6e5d1f0a1b2",
    rbac=(ArgoCdRole(role="ADMIN", groups=("a1b2c3d4-0000-4000-8000-000000000001",), users=("a1b2c3d4-0000-4000-8000-000000000009",)),),
)


def test_kro_is_a_retained_capability_whose_role_eks_capabilities_assume_with_session_tags() -> None:
    template = _capability(CapabilityProps(name="kro", type="KRO"))
    (capability,) = template.find_resources("AWS::EKS::Capability").values()
    props = capability["Properties"]
    assert (props["CapabilityName"], props["Type"], props["DeletePropagationPolicy"]) == ("kro", "KRO", "RETAIN")
    roles = {name: r for name, r in template.find_resources("AWS::IAM::Role").items() if name.startswith("CapabilityRole")}
    ((role_id, role),) = roles.items()
    assert props["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "capabilities.eks.amazonaws.com"}
    assert sorted(trust["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert not [p for name, p in template.find_resources("AWS::IAM::Policy").items() if name.startswith("CapabilityRole")], (
        "kro: no AWS access"
    )


def test_ack_may_do_what_it_is_given_and_no_more() -> None:
    granted = Permission(actions=("sqs:CreateQueue",), resources=("arn:aws:sqs:eu-west-1:111111111111:team-*",), wildcard_reason="x" * 20)
    template = _capability(CapabilityProps(name="ack", type="ACK", permissions=(granted,)))
    (policy,) = [p for name, p in template.find_resources("AWS::IAM::Policy").items() if name.startswith("CapabilityRole")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statements == [{"Action": "sqs:CreateQueue", "Effect": "Allow", "Resource": "arn:aws:sqs:eu-west-1:111111111111:team-*"}]
    assert json.dumps(template.find_resources("AWS::EKS::Capability")).count('"Type": "ACK"') == 1


def test_argo_cd_is_private_through_an_endpoint_only_the_vpc_and_named_networks_reach() -> None:
    """AWS's default endpoint is public; given a VPC endpoint id, public access is blocked
    (https://docs.aws.amazon.com/eks/latest/userguide/argocd-private-access.html)."""
    props = CapabilityProps(name="argocd", type="ARGOCD", argo_cd=replace(ARGO, vpc_cidr="10.20.0.0/16", client_cidrs=("172.16.0.0/12",)))
    template = _capability(props)
    (capability,) = template.find_resources("AWS::EKS::Capability").values()
    argo = capability["Properties"]["Configuration"]["ArgoCd"]
    assert argo["AwsIdc"]["IdcInstanceArn"] == ARGO.identity_center_instance_arn
    assert argo["Namespace"] == "argocd"
    assert argo["RbacRoleMappings"] == [
        {
            "Role": "ADMIN",
            "Identities": [
                {"Id": "a1b2c3d4-0000-4000-8000-000000000001", "Type": "SSO_GROUP"},
                {"Id": "a1b2c3d4-0000-4000-8000-000000000009", "Type": "SSO_USER"},
            ],
        }
    ]
    ((endpoint_id, endpoint),) = template.find_resources("AWS::EC2::VPCEndpoint").items()
    assert argo["NetworkAccess"] == {"VpceIds": [{"Ref": endpoint_id}]}
    assert endpoint["Properties"]["PrivateDnsEnabled"] is False  # AWS points Argo CD's name at it
    assert ".eks-capabilities" in json.dumps(endpoint["Properties"]["ServiceName"])
    groups = [g for name, g in template.find_resources("AWS::EC2::SecurityGroup").items() if name.startswith("CapabilityEndpoint")]
    (group,) = groups
    ingress = {(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in group["Properties"]["SecurityGroupIngress"]}
    assert ingress == {("10.20.0.0/16", 443, 443), ("172.16.0.0/12", 443, 443)}


def test_argo_cd_on_a_public_endpoint_has_no_endpoint_of_berths() -> None:
    template = _capability(CapabilityProps(name="argocd", type="ARGOCD", argo_cd=ARGO))
    (capability,) = template.find_resources("AWS::EKS::Capability").values()
    assert "NetworkAccess" not in capability["Properties"]["Configuration"]["ArgoCd"]
    assert template.find_resources("AWS::EC2::VPCEndpoint") == {}
