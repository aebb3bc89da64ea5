"""VpcParameters and import_vpc: the network stack publishes its ids, consumers read them at deploy."""

from __future__ import annotations

import json

from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template

from cdk_constructs.shared_vpc import VpcParameters, import_vpc
from stacks.context import project_context
from tests.cdk_constructs.support import ZONES, bare


def test_the_network_publishes_the_vpc_and_subnet_ids_under_the_environments_prefix() -> None:
    b = bare()
    VpcParameters(b.stack, "Parameters", vpc=b.vpc, environment="test")
    names = sorted(p["Properties"]["Name"] for p in b.template().find_resources("AWS::SSM::Parameter").values())
    assert names == ["/berth/test/network/private-subnet-ids", "/berth/test/network/public-subnet-ids", "/berth/test/network/vpc-id"]


def test_a_consumer_reads_them_at_deploy_and_one_subnet_per_zone() -> None:
    stack = Stack(
        App(context=project_context(), builtin_cloud_formation_validation=False),
        "Consumer",
        env=Environment(account="111111111111", region="eu-west-1"),
    )
    vpc = import_vpc(stack, "Vpc", environment="test", availability_zones=tuple(ZONES), cidr="10.0.0.0/16", public_subnets=False)
    assert len(vpc.private_subnets) == len(ZONES)
    assert vpc.public_subnets == []
    parameters = json.dumps(Template.from_stack(stack).to_json().get("Parameters", {}))
    assert "/berth/test/network/vpc-id" in parameters
    assert "/berth/test/network/public-subnet-ids" not in parameters
