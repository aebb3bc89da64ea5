"""The cost model of the review: what is priced, how, and what is said when it is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools.costs import PRICES_PATH, Cost, NotPriced, cost_change, load_prices, monthly_costs, sharing

TABLE = load_prices()
HOURS = TABLE.hours_per_month
US = TABLE.regions["us-east-1"]


def _resource(kind: str, **props: Any) -> dict[str, Any]:
    return {"Type": kind, "Properties": props}


def _service(strategy: list[dict[str, Any]], desired: int = 2, arch: str = "X86_64") -> dict[str, dict[str, Any]]:
    return {
        "Task": _resource("AWS::ECS::TaskDefinition", Cpu="512", Memory="1024", RuntimePlatform={"CpuArchitecture": arch}),
        "Service": _resource("AWS::ECS::Service", DesiredCount=desired, TaskDefinition={"Ref": "Task"}, CapacityProviderStrategy=strategy),
    }


def test_the_table_loads_with_its_date_and_source() -> None:
    assert TABLE.as_of.isoformat() in PRICES_PATH.read_text()
    assert "AWS" in TABLE.source
    assert {"us-east-1", "eu-west-1"} <= set(TABLE.regions)


def test_auto_scaling_group_is_priced_from_min_to_max_by_its_launch_template() -> None:
    resources = {
        "Template": _resource("AWS::EC2::LaunchTemplate", LaunchTemplateData={"InstanceType": "m7g.xlarge"}),
        "Group": _resource(
            "AWS::AutoScaling::AutoScalingGroup", MinSize="3", MaxSize="12", LaunchTemplate={"LaunchTemplateId": {"Ref": "Template"}}
        ),
    }
    cost = monthly_costs(resources, "us-east-1", TABLE)["Group"]
    hourly = US.ec2_instance_hour["m7g.xlarge"]
    assert cost == Cost(3 * hourly * HOURS, 12 * hourly * HOURS, "x m7g.xlarge", "3-12")
    assert cost.basis == "3-12 x m7g.xlarge"


def test_fargate_service_is_priced_by_task_size_and_scalable_target_range() -> None:
    resources = _service([{"CapacityProvider": "FARGATE", "Weight": 1}])
    resources["Target"] = _resource(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        MinCapacity=2,
        MaxCapacity=6,
        ResourceId={"Fn::Join": ["", ["service/", {"Ref": "Cluster"}, "/", {"Fn::GetAtt": ["Service", "Name"]}]]},
    )
    cost = monthly_costs(resources, "us-east-1", TABLE)["Service"]
    task = (0.5 * US.fargate["X86_64"].vcpu_hour + 1 * US.fargate["X86_64"].gb_hour) * HOURS
    assert cost.low == pytest.approx(2 * task)
    assert cost.high == pytest.approx(6 * task)


def test_fargate_spot_share_is_left_out_and_said() -> None:
    strategy = [{"CapacityProvider": "FARGATE", "Base": 2, "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
    cost = monthly_costs(_service(strategy, desired=6), "us-east-1", TABLE)["Service"]
    task = (0.5 * US.fargate["X86_64"].vcpu_hour + 1 * US.fargate["X86_64"].gb_hour) * HOURS
    assert isinstance(cost, Cost)
    assert cost.low == pytest.approx(4 * task), "base 2, then 4 split 1:1: 4 on demand"
    assert "up to 2 of them on Fargate Spot (not priced)" in cost.basis


def test_a_service_all_on_fargate_spot_is_not_priced_never_zero() -> None:
    cost = monthly_costs(_service([{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]), "us-east-1", TABLE)["Service"]
    assert cost == NotPriced("every task on Fargate Spot, whose prices change by the hour")
    line, delta = cost_change("`Service`", None, cost)
    assert "$0.00" not in line
    assert line.endswith("not priced: every task on Fargate Spot, whose prices change by the hour")
    assert delta == (0.0, 0.0)


def test_arm_tasks_use_the_arm_rate() -> None:
    x86 = monthly_costs(_service([{"CapacityProvider": "FARGATE"}]), "us-east-1", TABLE)["Service"]
    arm = monthly_costs(_service([{"CapacityProvider": "FARGATE"}], arch="ARM64"), "us-east-1", TABLE)["Service"]
    assert isinstance(x86, Cost)
    assert isinstance(arm, Cost)
    assert arm.low < x86.low


def test_service_on_ec2_capacity_is_priced_through_its_instances() -> None:
    assert "Service" not in monthly_costs(_service([{"CapacityProvider": {"Ref": "Ec2Provider"}}]), "us-east-1", TABLE)


@pytest.mark.parametrize(
    ("resources", "region", "reason"),
    [
        (
            {"Nodes": _resource("AWS::EKS::Nodegroup", CapacityType="SPOT", InstanceTypes=["m6i.xlarge"])},
            "us-east-1",
            "Spot capacity",
        ),
        ({"Nodes": _resource("AWS::EKS::Nodegroup", InstanceTypes=["x9z.huge"])}, "us-east-1", "no x9z.huge price for us-east-1"),
        ({"Nat": _resource("AWS::EC2::NatGateway")}, "ap-south-2", "no prices for ap-south-2"),
        ({"Nat": _resource("AWS::EC2::NatGateway")}, None, "region is not known"),
        ({"Lb": _resource("AWS::ElasticLoadBalancingV2::LoadBalancer", Type="network")}, "us-east-1", "network load balancers"),
        ({"Service": _resource("AWS::ECS::Service", TaskDefinition={"Ref": "T"})}, "us-east-1", "default capacity provider strategy"),
        (
            {"Group": _resource("AWS::AutoScaling::AutoScalingGroup", MinSize="1", MaxSize="2", MixedInstancesPolicy={})},
            "us-east-1",
            "mixed instances policy",
        ),
    ],
)
def test_what_is_not_priced_says_why(resources: dict[str, Any], region: str | None, reason: str) -> None:
    (estimate,) = monthly_costs(resources, region, TABLE).values()
    assert isinstance(estimate, NotPriced)
    assert reason in estimate.reason


def test_flat_priced_resources() -> None:
    resources = {
        "Nat": _resource("AWS::EC2::NatGateway"),
        "Cluster": _resource("AWS::EKS::Cluster"),
        "Alb": _resource("AWS::ElasticLoadBalancingV2::LoadBalancer"),
        "Endpoint": _resource("AWS::EC2::VPCEndpoint", VpcEndpointType="Interface", SubnetIds=["a", "b", "c"]),
        "Gateway": _resource("AWS::EC2::VPCEndpoint", VpcEndpointType="Gateway"),
        "Key": _resource("AWS::KMS::Key"),
    }
    costs = monthly_costs(resources, "eu-west-1", TABLE)
    ireland = TABLE.regions["eu-west-1"]
    assert costs["Nat"].low == pytest.approx(ireland.nat_gateway_hour * HOURS)
    assert costs["Cluster"].low == pytest.approx(ireland.eks_cluster_hour * HOURS)
    assert costs["Alb"].low == pytest.approx(ireland.application_load_balancer_hour * HOURS)
    assert costs["Endpoint"].low == pytest.approx(3 * ireland.interface_endpoint_az_hour * HOURS)
    assert costs["Key"].low == ireland.kms_key_month
    assert "Gateway" not in costs, "gateway endpoints are free"


def test_cluster_price_says_what_extended_support_and_auto_mode_leave_out() -> None:
    standard = {"C": _resource("AWS::EKS::Cluster", UpgradePolicy={"SupportType": "STANDARD"})}
    default = {"C": _resource("AWS::EKS::Cluster", ComputeConfig={"Enabled": True})}
    assert monthly_costs(standard, "us-east-1", TABLE)["C"].note == ""
    note = monthly_costs(default, "us-east-1", TABLE)["C"].note
    assert "extended support, EKS's default" in note
    assert "Auto Mode nodes" in note


def test_cost_change_lines() -> None:
    small, large, more = Cost(10.0, 20.0, "x a", "1-2"), Cost(30.0, 60.0, "x b", "1-2"), Cost(20.0, 40.0, "x a", "2-4")
    line, delta = cost_change("`N`", small, large)
    assert line == "`N`: 1-2 x a -> 1-2 x b: $10.00-$20.00 -> $30.00-$60.00 a month (+$20.00 to +$40.00)"
    assert delta == (20.0, 40.0)
    assert cost_change("`N`", small, more)[0] == "`N`: 1-2 -> 2-4 x a: $10.00-$20.00 -> $20.00-$40.00 a month (+$10.00 to +$20.00)"
    assert cost_change("`N`", None, small) == ("`N` (new): 1-2 x a: +$10.00-$20.00 a month", (10.0, 20.0))
    assert cost_change("`N`", small, None)[1] == (-10.0, -20.0)
    line, delta = cost_change("`N`", small, NotPriced("no b price"))
    assert line == "`N`: was $10.00-$20.00 a month, not priced: no b price"
    assert delta == (0.0, 0.0), "an unpriced side adds nothing to the net"


def test_same_price_ignores_the_wording_and_sub_cent_noise() -> None:
    assert Cost(73.0, 73.0, "control plane", note=" (extended support)").same_price(Cost(73.001, 73.0, "control plane"))
    assert not Cost(73.0, 73.0, "x").same_price(Cost(74.0, 74.0, "x"))
    assert not Cost(73.0, 73.0, "x").same_price(NotPriced("why"))


def test_the_net_line_says_what_it_leaves_out() -> None:
    from tools.review_findings import Kind, review_stack  # noqa: PLC0415

    spot = _service([{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}])
    nat = {"Nat": _resource("AWS::EC2::NatGateway")}
    review = review_stack(
        {"Resources": {"Keep": _resource("AWS::SNS::Topic")}},
        {"Resources": {"Keep": _resource("AWS::SNS::Topic"), **spot, **nat}},
        "us-east-1",
    )
    lines = [f.text for f in review.of(Kind.COST)]
    assert not any("$0.00" in line for line in lines), lines
    net = lines[-1]
    assert net.startswith("net: +$")
    assert "not included: data: not priced (`Nat`); every task on Fargate Spot, whose prices change by the hour (`Service`)" in net


def test_sharing_counts_routed_services_per_load_balancer_and_prices_the_load_balancers_saved() -> None:
    snapshot = Path(__file__).resolve().parents[1] / "__snapshots__" / "templates" / "berth-dev-ecs.json"
    resources = json.loads(snapshot.read_text())["Resources"]
    shared = sharing(resources, "eu-west-1", TABLE)
    # dev: web and api on the public load balancer, ledger on the internal one.
    assert shared is not None
    assert (shared.services, shared.load_balancers, shared.web_acls) == (3, 2, 0)
    assert shared.saved == pytest.approx(TABLE.regions["eu-west-1"].application_load_balancer_hour * HOURS)
    assert shared.line.startswith("sharing: 3 services on 2 shared load balancer(s) instead of one each saves $")
    prod = json.loads((snapshot.parent / "berth-prod-ecs.json").read_text())["Resources"]
    assert sharing(prod, "eu-west-1", TABLE) is None  # prod's web has a load balancer of its own
