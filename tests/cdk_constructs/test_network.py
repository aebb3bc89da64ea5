"""PlatformNetwork alone: subnets per AZ, NAT gateways, endpoints, flow logs."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match

from cdk_constructs.network import DEFAULT_INTERFACE_ENDPOINTS, NetworkProps, PlatformNetwork
from config.models import NetworkConfig
from tests.cdk_constructs.support import ZONES, bare


def _network(props: NetworkProps):
    b = bare()
    PlatformNetwork(
        b.stack,
        "Network",
        props=props,
        availability_zones=tuple(ZONES),
        key=kms.Key(b.stack, "NetKey"),
        removal_policy=RemovalPolicy.DESTROY,
    )
    return b.template()


def test_one_nat_gateway_and_a_public_and_private_subnet_per_zone() -> None:
    template = _network(NetworkProps(cidr="10.1.0.0/16", nat_gateways=1))
    template.resource_properties_count_is("AWS::EC2::Subnet", {"CidrBlock": "10.1.0.0/24", "AvailabilityZone": "eu-west-1a"}, 1)
    template.resource_properties_count_is("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": False}, 2 + 2 + 2)  # bare()'s own VPC has two more
    template.resource_count_is("AWS::EC2::NatGateway", 2)  # bare()'s VPC has one too


def test_every_default_interface_endpoint_behind_one_https_only_security_group() -> None:
    template = _network(NetworkProps(cidr="10.1.0.0/16", nat_gateways=2))
    template.resource_count_is("AWS::EC2::VPCEndpoint", len(DEFAULT_INTERFACE_ENDPOINTS) + 1)  # and the S3 gateway
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "Interface VPC endpoints: HTTPS from the VPC",
            "SecurityGroupIngress": [Match.object_like({"CidrIp": "10.1.0.0/16", "FromPort": 443})],
        },
    )


def test_no_interface_endpoints_means_no_endpoint_security_group() -> None:
    template = _network(NetworkProps(cidr="10.1.0.0/16", nat_gateways=1, interface_endpoints=()))
    template.resource_properties_count_is("AWS::EC2::SecurityGroup", {"GroupDescription": "Interface VPC endpoints: HTTPS from the VPC"}, 0)


def test_flow_logs_keep_the_given_retention() -> None:
    _network(NetworkProps(cidr="10.1.0.0/16", nat_gateways=1, flow_log_retention_days=365)).has_resource_properties(
        "AWS::Logs::LogGroup", {"RetentionInDays": 365}
    )


def test_the_default_endpoints_are_the_configs() -> None:
    """Two lists that must agree: the construct's default and the config's (config imports no CDK)."""
    assert NetworkConfig.model_fields["interface_endpoints"].default == DEFAULT_INTERFACE_ENDPOINTS
