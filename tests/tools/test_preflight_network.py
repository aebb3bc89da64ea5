"""`make preflight` on an existing VPC (`network.existing`, the qa environment), against moto:
the VPC, each subnet's zone and routes, and the subnet tags berth cannot set on a VPC it did
not create."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from config.models import PlatformConfig
from tests.factories import environment
from tests.tools.moto_support import REGION, moto_clients
from tools.preflight import BLOCKER, OK, WARNING, Clients, Finding, check_existing_network

ELB = {"Key": "kubernetes.io/role/elb", "Value": "1"}
INTERNAL_ELB = {"Key": "kubernetes.io/role/internal-elb", "Value": "1"}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    with moto_clients(monkeypatch, "333333333333") as clients:
        yield clients


def _network(aws: Clients, *, tagged: bool = True) -> dict[str, Any]:
    """A team's VPC as a network team builds it: public subnets routed to an internet gateway,
    private ones through a NAT gateway, tagged for EKS load balancing."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)

    def subnet(cidr: str, zone: str, tags: list[dict[str, str]]) -> str:
        subnet_id = str(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"])
        if tags:
            ec2.create_tags(Resources=[subnet_id], Tags=tags)
        return subnet_id

    public = [subnet(f"10.40.{i}.0/24", f"{REGION}{z}", [ELB] if tagged else []) for i, z in enumerate("ab")]
    private = [subnet(f"10.40.{16 * (i + 1)}.0/20", f"{REGION}{z}", [INTERNAL_ELB] if tagged else []) for i, z in enumerate("ab")]
    public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    private_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for subnet_id in public:
        ec2.associate_route_table(RouteTableId=public_table, SubnetId=subnet_id)
    for subnet_id in private:
        ec2.associate_route_table(RouteTableId=private_table, SubnetId=subnet_id)
    return {"vpc": vpc, "public": public, "private": private, "public_table": public_table, "igw": igw}


def _qa(network: dict[str, Any], **changes: Any) -> PlatformConfig:
    return environment(
        "qa",
        {
            "network.existing.vpc_id": network["vpc"],
            "network.existing.private_subnet_ids": network["private"],
            "network.existing.public_subnet_ids": network["public"],
            **changes,
        },
    )


def _findings(config: PlatformConfig, aws: Clients) -> list[Finding]:
    return list(check_existing_network(config, aws))


def test_a_network_built_as_berth_would_passes(aws: Clients) -> None:
    network = _network(aws)
    findings = _findings(_qa(network), aws)
    assert [f.status for f in findings] == [OK] * 5, findings  # the VPC and four subnets
    assert not [f for f in findings if f.check == "subnet tag"]


def test_the_vpc_berth_creates_is_not_checked_here(aws: Clients) -> None:
    assert _findings(environment("dev"), aws) == []


def test_a_private_subnet_routed_to_the_internet_is_a_blocker(aws: Clients) -> None:
    network = _network(aws)
    ec2 = aws("ec2")
    subnet = network["private"][1]
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["RouteTables"]
    association = next(a["RouteTableAssociationId"] for a in tables[0]["Associations"] if a.get("SubnetId") == subnet)
    ec2.replace_route_table_association(AssociationId=association, RouteTableId=network["public_table"])
    blocked = [f for f in _findings(_qa(network), aws) if f.status == BLOCKER]
    assert [f.subject for f in blocked] == [f"private subnet {network['private'][1]}"]
    assert "internet gateway: not private" in blocked[0].help


def test_subnets_listed_out_of_zone_order_are_a_blocker(aws: Clients) -> None:
    network = _network(aws)
    swapped = {**network, "private": list(reversed(network["private"]))}
    blocked = [f for f in _findings(_qa(swapped), aws) if f.status == BLOCKER]
    assert len(blocked) == 2
    assert "list it in the position of its zone (eu-west-1a here)" in blocked[0].help


def test_a_wrong_cidr_or_an_unknown_subnet_is_a_blocker(aws: Clients) -> None:
    network = _network(aws)
    findings = _findings(_qa(network, **{"network.cidr": "10.41.0.0/16"}), aws)
    assert findings[0].status == BLOCKER
    assert "10.40.0.0/16" in findings[0].help
    unknown = {**network, "private": [network["private"][0], "subnet-0123456789abcdef0"]}
    last = _findings(_qa(unknown), aws)[-1]
    assert (last.subject, last.status) == ("subnets", BLOCKER)


def test_untagged_subnets_are_said_and_karpenters_tag_is_required(aws: Clients) -> None:
    network = _network(aws, tagged=False)
    findings = _findings(_qa(network), aws)
    tags = [f for f in findings if f.check == "subnet tag"]
    assert len(tags) == 4
    assert {f.status for f in tags} == {WARNING}
    assert "berth does not tag subnets it did not create" in tags[0].help
    karpenter = _qa(
        network,
        **{
            "eks.auto_mode": {"enabled": False},
            "eks.autoscaler": "karpenter",
            "eks.node_groups": [
                {
                    "name": "system",
                    "instance_types": ["m7g.large"],
                    "ami_type": "BOTTLEROCKET_ARM_64",
                    "release_version": "1.51.0-47438798",
                    "min_size": 2,
                    "desired_size": 2,
                    "max_size": 3,
                }
            ],
            "eks.addons": {
                "vpc-cni": "v1.20.4-eksbuild.2",
                "kube-proxy": "v1.34.1-eksbuild.2",
                "eks-pod-identity-agent": "v1.3.9-eksbuild.3",
                "coredns": "v1.12.4-eksbuild.1",
                "aws-ebs-csi-driver": "v1.51.1-eksbuild.1",
            },
        },
    )
    discovery = [f for f in _findings(karpenter, aws) if "karpenter.sh/discovery" in f.subject]
    assert [f.status for f in discovery] == [BLOCKER, BLOCKER]
