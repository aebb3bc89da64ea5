"""The network stack: what the VPC promises, per environment that has berth create it; and
what an environment in a VPC of its own (qa, `network.existing`) gets instead."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from config import load_config
from config.loader import available_environments
from tests.assembly import Assembly

EXPECTED = {"dev": {"zones": 2, "nats": 1}, "prod": {"zones": 3, "nats": 3}}
CREATED = [e for e in available_environments() if load_config(e).network.existing is None]


@pytest.fixture(params=CREATED)
def env(request: pytest.FixtureRequest) -> str:
    """Here, the environments whose VPC berth creates (qa's is the team's: the last tests)."""
    return str(request.param)


def test_one_public_and_one_private_subnet_per_zone(assembly: Assembly, env: str) -> None:
    zones = EXPECTED[env]["zones"]
    subnets = assembly.resources("network", "AWS::EC2::Subnet").values()
    assert len(subnets) == 2 * zones
    assert {s["Properties"]["AvailabilityZone"] for s in subnets} == set(assembly_zones(assembly))
    public = [s for s in subnets if s["Properties"]["MapPublicIpOnLaunch"] is True]
    assert public == [], "no subnet hands out public IPs on launch"


def assembly_zones(assembly: Assembly) -> list[str]:
    return list(load_config(assembly.stack("network").split("-")[1]).availability_zones)


def test_nat_gateways_per_environment(assembly: Assembly, env: str) -> None:
    assembly.template("network").resource_count_is("AWS::EC2::NatGateway", EXPECTED[env]["nats"])


def test_vpc_cidr_from_config(dev: Assembly) -> None:
    dev.template("network").has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.10.0.0/16", "EnableDnsSupport": True})


def test_flow_logs_capture_all_traffic_to_encrypted_log_group(assembly: Assembly) -> None:
    template = assembly.template("network")
    template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"})
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": Match.any_value(), "RetentionInDays": Match.any_value()})


def test_flow_log_retention_from_config(dev: Assembly, prod: Assembly) -> None:
    dev.template("network").has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    prod.template("network").has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})


def test_s3_gateway_endpoint(assembly: Assembly) -> None:
    assembly.template("network").has_resource_properties(
        "AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Gateway", "ServiceName": Match.object_like({"Fn::Join": Match.any_value()})}
    )


def test_interface_endpoints_from_config(dev: Assembly, prod: Assembly) -> None:
    def names(assembly: Assembly) -> set[str]:
        eps = assembly.resources("network", "AWS::EC2::VPCEndpoint").values()
        return {e["Properties"]["ServiceName"].rsplit(".", 1)[-1] if isinstance(e["Properties"]["ServiceName"], str) else "s3" for e in eps}

    assert {"api", "dkr", "logs", "secretsmanager", "ssmmessages", "kms", "sts"} <= names(dev)
    assert "ecs-agent" in names(prod)
    assert "ecs-agent" not in names(dev)


def test_interface_endpoints_private_dns_in_private_subnets_https_from_vpc_only(dev: Assembly) -> None:
    template = dev.template("network")
    template.has_resource_properties("AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Interface", "PrivateDnsEnabled": True})
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "Interface VPC endpoints: HTTPS from the VPC",
            "SecurityGroupIngress": [Match.object_like({"FromPort": 443, "ToPort": 443, "CidrIp": "10.10.0.0/16"})],
        },
    )


def test_default_security_group_is_closed(assembly: Assembly) -> None:
    assembly.template("network").resource_count_is("Custom::VpcRestrictDefaultSG", 1)


def test_vpc_ids_are_published_as_ssm_parameters_not_exports(assembly: Assembly, env: str) -> None:
    template = assembly.template("network")
    for name in ("vpc-id", "private-subnet-ids", "public-subnet-ids"):
        template.has_resource_properties("AWS::SSM::Parameter", {"Name": f"/berth/{env}/network/{name}"})
    outputs = assembly.template_json(assembly.stack("network")).get("Outputs", {})
    assert all("Export" not in o for o in outputs.values()), "no CloudFormation exports"


def test_log_key_rotates_and_follows_removal_policy(dev: Assembly, prod: Assembly) -> None:
    dev.template("network").has_resource("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "Delete"})
    prod.template("network").has_resource(
        "AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "RetainExceptOnCreate"}
    )


def test_an_existing_vpc_is_shared_not_created(qa: Assembly) -> None:
    """qa's network stack holds the ids of the team's VPC, as the other stacks read them, and
    nothing else: no VPC, subnet, route, NAT gateway, endpoint, flow log or key."""
    existing = load_config("qa").network.existing
    assert existing is not None
    resources = qa.template_json(qa.stack("network"))["Resources"]
    assert {r["Type"] for r in resources.values()} == {"AWS::SSM::Parameter"}
    values = {r["Properties"]["Name"]: r["Properties"]["Value"] for r in resources.values()}
    assert values == {
        "/berth/qa/network/vpc-id": existing.vpc_id,
        "/berth/qa/network/private-subnet-ids": ",".join(existing.private_subnet_ids),
        "/berth/qa/network/public-subnet-ids": ",".join(existing.public_subnet_ids),
    }
    assert qa.template_json(qa.stack("network"))["Outputs"]["VpcId"]["Value"] == existing.vpc_id


def test_the_other_stacks_read_an_existing_vpc_as_they_read_berths(qa: Assembly, dev: Assembly) -> None:
    """The ECS and EKS stacks do not know whose VPC it is: the same SSM-typed parameters."""

    def network_parameters(assembly: Assembly, stack: str, env: str) -> set[str]:
        parameters = assembly.template_json(assembly.stack(stack)).get("Parameters", {}).values()
        prefix = f"/berth/{env}/network/"
        return {p["Default"].removeprefix(prefix) for p in parameters if str(p.get("Default", "")).startswith(prefix)}

    for stack in ("ecs", "eks"):
        assert network_parameters(qa, stack, "qa") == network_parameters(dev, stack, "dev") != set()
