"""Egress denied by default (NIST SC-7(5)): each security group berth creates allows out only
what its workload needs.

What every workload and node needs is HTTPS to AWS's APIs: the interface endpoints in the
VPC, S3 (ECR's image layers) through its gateway endpoint, anything else through the NAT
gateway; so that is the one rule given by default (TCP 443). DNS to the VPC's resolver and
NTP to the Amazon Time Sync Service are not filtered by security groups (Amazon VPC user
guide, "Security group rules": traffic to and from the Amazon DNS server and the instance
metadata and time-sync link-local addresses is not evaluated), so they need no rule. What a
workload declares it calls (a database, another service) is added as one rule each; a
workload that needs the open internet says so with a reason, which becomes the
acknowledgment of berth's rule SG1 (`checks/ec2_rules.py`) in COMPLIANCE.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_berth
from cdk_constructs.errors import cfn_child


@dataclass(frozen=True, kw_only=True)
class EgressRule:
    """One allowed destination: a CIDR and a port, with why."""

    cidr: str
    port: int
    description: str
    protocol: Literal["tcp", "udp"] = "tcp"

    def cfn(self) -> dict[str, object]:
        return {
            "IpProtocol": self.protocol,
            "FromPort": self.port,
            "ToPort": self.port,
            "CidrIp": self.cidr,
            "Description": self.description,
        }


HTTPS_TO_AWS = EgressRule(
    cidr="0.0.0.0/0",
    port=443,
    description="HTTPS to AWS APIs: interface endpoints, S3 through its gateway endpoint, the rest through the NAT gateway",
)


def workload_security_group(
    scope: Construct,
    construct_id: str,
    *,
    vpc: ec2.IVpc,
    description: str,
    rules: tuple[EgressRule, ...] = (),
    open_egress_reason: str | None = None,
) -> ec2.SecurityGroup:
    """A security group that allows out HTTPS to AWS and `rules`; or everything, when there
    is an `open_egress_reason`, which acknowledges Berth-SG1 on the group."""
    group = ec2.SecurityGroup(scope, construct_id, vpc=vpc, description=description, allow_all_outbound=open_egress_reason is not None)
    if open_egress_reason is not None:
        acknowledge_berth(group, "SG1", open_egress_reason)
        return group
    for rule in (HTTPS_TO_AWS, *rules):
        port = ec2.Port.tcp(rule.port) if rule.protocol == "tcp" else ec2.Port.udp(rule.port)
        group.add_egress_rule(ec2.Peer.ipv4(rule.cidr), port, rule.description)
    return group


def limit_egress_of(group: ec2.SecurityGroup, rules: tuple[EgressRule, ...]) -> None:
    """Replace the allow-all egress of a security group aws-cdk-lib creates for us.

    Escape hatch: neither AwsCustomResource (no securityGroups / allowAllOutbound property
    for its singleton function) nor aws_eks_v2.Cluster (no allowAllOutbound for its
    control-plane security group) lets the caller limit the egress of the group it makes.
    """
    cfn_child(group, ec2.CfnSecurityGroup).add_property_override("SecurityGroupEgress", [r.cfn() for r in rules])
