"""EksCapability alone: the capability, and a role EKS can assume that may do what it is given."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from cdk_constructs.eks_capabilities import CapabilityProps, EksCapability
from cdk_constructs.grants import Permission
from tests.cdk_constructs.support import bare


def _capability(props: CapabilityProps) -> Template:
    b = bare()
    EksCapability(b.stack, "Capability", cluster=b.eks_cluster(), props=props)
    return b.template()


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
