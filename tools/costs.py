"""What a template's resources cost a month, from the small price table in tools/prices.json.

The review prices a change so a reviewer sees "+$35 a month" next to a new NAT gateway. Only
what the table covers is priced; anything else is reported as not priced with the reason
(a missing instance type or region, Spot, capacity created at run time), never guessed.
A resource's cost is given at its minimum and at its maximum capacity: an Auto Scaling group
from MinSize to MaxSize, a service from its scalable target's MinCapacity to MaxCapacity.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PositiveFloat

PRICES_PATH = Path(__file__).resolve().parent / "prices.json"
FARGATE = {"FARGATE", "FARGATE_SPOT"}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FargateRate(_Strict):
    vcpu_hour: PositiveFloat
    gb_hour: PositiveFloat


class RegionPrices(_Strict):
    ec2_instance_hour: dict[str, PositiveFloat]
    fargate: dict[Literal["X86_64", "ARM64"], FargateRate]
    eks_cluster_hour: PositiveFloat
    nat_gateway_hour: PositiveFloat
    application_load_balancer_hour: PositiveFloat
    interface_endpoint_az_hour: PositiveFloat
    public_ipv4_hour: PositiveFloat
    kms_key_month: PositiveFloat


class PriceTable(_Strict):
    as_of: date
    currency: Literal["USD"]
    hours_per_month: PositiveFloat
    basis: str
    source: str
    regions: dict[str, RegionPrices]


@cache
def load_prices(path: Path = PRICES_PATH) -> PriceTable:
    return PriceTable.model_validate_json(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Cost:
    """A month of one resource at its minimum (low) and maximum (high) capacity."""

    low: float
    high: float
    unit: str  # what one of it is: "x m7g.large", "NAT gateway hours"
    count: str = ""  # how many, "3-12"; empty for a single flat-priced resource
    note: str = ""  # what is left out of the price

    def same_price(self, other: Estimate | None) -> bool:
        return isinstance(other, Cost) and (round(self.low, 2), round(self.high, 2)) == (round(other.low, 2), round(other.high, 2))

    @property
    def basis(self) -> str:
        return " ".join(filter(None, (self.count, self.unit))) + self.note


def _count(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


@dataclass(frozen=True)
class NotPriced:
    reason: str


Estimate = Cost | NotPriced


def money(value: float) -> str:
    return f"${value:,.2f}"


def money_range(low: float, high: float) -> str:
    return money(low) if round(low, 2) == round(high, 2) else f"{money(low)}-{money(high)}"


def _ref(value: Any) -> str | None:
    return value.get("Ref") if isinstance(value, dict) and isinstance(value.get("Ref"), str) else None


def _int(value: Any) -> int | None:
    """A literal count or size (CloudFormation writes many as strings); None for a token."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class _Context:
    resources: dict[str, dict[str, Any]]
    prices: RegionPrices
    region: str
    hours: float

    def props(self, name: str | None) -> dict[str, Any]:
        return self.resources.get(name or "", {}).get("Properties", {})

    def instances(self, instance_type: Any, low: int | None, high: int | None, what: str = "") -> Estimate:
        if not isinstance(instance_type, str):
            return NotPriced("instance type not set in this stack")
        if low is None or high is None:
            return NotPriced("size not a literal")
        hourly = self.prices.ec2_instance_hour.get(instance_type)
        if hourly is None:
            return NotPriced(f"no {instance_type} price for {self.region} in tools/prices.json")
        return Cost(low * hourly * self.hours, high * hourly * self.hours, f"x {instance_type}{what}", _count(low, high))

    def flat(self, hourly: float, unit: str, note: str, count: int = 1) -> Cost:
        value = count * hourly * self.hours
        return Cost(value, value, unit, note=note)


def _auto_scaling_group(name: str, props: dict[str, Any], ctx: _Context) -> Estimate:
    if "MixedInstancesPolicy" in props:
        return NotPriced("a mixed instances policy: the instance mix is decided at run time")
    template = _ref((props.get("LaunchTemplate") or {}).get("LaunchTemplateId"))
    instance_type = ctx.props(template).get("LaunchTemplateData", {}).get("InstanceType")
    return ctx.instances(instance_type, _int(props.get("MinSize")), _int(props.get("MaxSize")))


def _nodegroup(name: str, props: dict[str, Any], ctx: _Context) -> Estimate:
    if props.get("CapacityType") == "SPOT":
        return NotPriced("Spot capacity: Spot prices change by the hour")
    template = ctx.props(_ref((props.get("LaunchTemplate") or {}).get("Id")))
    types = props.get("InstanceTypes") or [template.get("LaunchTemplateData", {}).get("InstanceType")]
    # EKS's defaults when ScalingConfig leaves them out: MinSize 1, MaxSize 2.
    scaling = props.get("ScalingConfig", {})
    # On-Demand node groups launch the first listed type while it is available (prioritized).
    return ctx.instances(types[0], _int(scaling.get("MinSize", 1)), _int(scaling.get("MaxSize", 2)))


def _task_range(name: str, props: dict[str, Any], ctx: _Context) -> tuple[int, int] | None:
    """The service's task count: its scalable target's range, or its desired count."""
    owner = json.dumps({"Fn::GetAtt": [name, "Name"]})
    for resource in ctx.resources.values():
        target = resource.get("Properties", {})
        if resource["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget" and owner in json.dumps(target.get("ResourceId")):
            low, high = _int(target.get("MinCapacity")), _int(target.get("MaxCapacity"))
            return (low, high) if low is not None and high is not None else None
    desired = _int(props.get("DesiredCount", 1))
    return (desired, desired) if desired is not None else None


def _on_demand_share(tasks: int, strategy: list[dict[str, Any]]) -> float:
    """How many of `tasks` run on FARGATE (not FARGATE_SPOT): the base first, then by weight."""
    if not strategy:
        return float(tasks)
    on_demand = next((s for s in strategy if s.get("CapacityProvider") == "FARGATE"), {})
    base = _int(on_demand.get("Base", 0)) or 0
    weights = {s.get("CapacityProvider"): _int(s.get("Weight", 0)) or 0 for s in strategy}
    if not any(weights.values()):  # ECS rejects an all-zero strategy; read it as equal weights
        weights = dict.fromkeys(weights, 1)
    rest = max(tasks - base, 0)
    return min(tasks, base) + rest * weights.get("FARGATE", 0) / sum(weights.values())


def _service(name: str, props: dict[str, Any], ctx: _Context) -> Estimate | None:
    strategy = props.get("CapacityProviderStrategy") or []
    providers = {s.get("CapacityProvider") for s in strategy if isinstance(s.get("CapacityProvider"), str)}
    if props.get("LaunchType") == "EC2" or len(providers) != len(strategy) or not providers <= FARGATE:
        return None  # runs on EC2 capacity: priced with the Auto Scaling group's instances
    if not strategy and props.get("LaunchType") != "FARGATE":
        return NotPriced("the cluster's default capacity provider strategy decides where it runs")
    task = ctx.props(_ref(props.get("TaskDefinition")))
    cpu, memory = _int(task.get("Cpu")), _int(task.get("Memory"))
    tasks = _task_range(name, props, ctx)
    if cpu is None or memory is None or tasks is None:
        return NotPriced("task size or count not a literal")
    arch = task.get("RuntimePlatform", {}).get("CpuArchitecture", "X86_64")
    rate = ctx.prices.fargate.get(arch)
    if rate is None:
        return NotPriced(f"no Fargate {arch} price for {ctx.region}")
    hourly = cpu / 1024 * rate.vcpu_hour + memory / 1024 * rate.gb_hour
    low, high = tasks
    if high and not _on_demand_share(high, strategy):
        return NotPriced("every task on Fargate Spot, whose prices change by the hour")
    spot = high - _on_demand_share(high, strategy)
    about = f"{spot:g}" if spot == int(spot) else f"about {max(round(spot), 1)}"
    note = f", up to {about} of them on Fargate Spot (not priced)" if spot else ""
    month = hourly * ctx.hours
    unit = f"tasks x {cpu / 1024:g} vCPU / {memory / 1024:g} GB Fargate {arch}"
    return Cost(_on_demand_share(low, strategy) * month, _on_demand_share(high, strategy) * month, unit, _count(low, high), note)


def _cluster(name: str, props: dict[str, Any], ctx: _Context) -> Estimate:
    notes = []
    if props.get("UpgradePolicy", {}).get("SupportType", "EXTENDED") == "EXTENDED":
        notes.append("extended support, EKS's default, bills more once the version leaves standard support")
    if props.get("ComputeConfig", {}).get("Enabled"):
        notes.append("Auto Mode nodes are created at run time")
    note = f" ({'; '.join(notes)}: not priced)" if notes else ""
    return ctx.flat(ctx.prices.eks_cluster_hour, "EKS control plane at the standard-support rate", note)


def _load_balancer(name: str, props: dict[str, Any], ctx: _Context) -> Estimate:
    if props.get("Type", "application") != "application":
        return NotPriced(f"{props.get('Type')} load balancers are not in tools/prices.json")
    return ctx.flat(ctx.prices.application_load_balancer_hour, "Application Load Balancer hours", " (LCUs not priced)")


def _endpoint(name: str, props: dict[str, Any], ctx: _Context) -> Estimate | None:
    if props.get("VpcEndpointType") != "Interface":
        return None  # gateway endpoints are free
    subnets = props.get("SubnetIds", [])
    unit = f"interface endpoint in {len(subnets)} AZ(s)"
    return ctx.flat(ctx.prices.interface_endpoint_az_hour, unit, " (data not priced)", len(subnets))


_PRICED: dict[str, Callable[[str, dict[str, Any], _Context], Estimate | None]] = {
    "AWS::AutoScaling::AutoScalingGroup": _auto_scaling_group,
    "AWS::EKS::Nodegroup": _nodegroup,
    "AWS::ECS::Service": _service,
    "AWS::EKS::Cluster": _cluster,
    "AWS::EC2::NatGateway": lambda n, p, ctx: ctx.flat(ctx.prices.nat_gateway_hour, "NAT gateway hours", " (data not priced)"),
    "AWS::EC2::EIP": lambda n, p, ctx: ctx.flat(ctx.prices.public_ipv4_hour, "public IPv4 address", ""),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _load_balancer,
    "AWS::EC2::VPCEndpoint": _endpoint,
    "AWS::KMS::Key": lambda n, p, ctx: Cost(ctx.prices.kms_key_month, ctx.prices.kms_key_month, "KMS key", note=" (requests not priced)"),
}


def monthly_costs(resources: dict[str, dict[str, Any]], region: str | None, table: PriceTable) -> dict[str, Estimate]:
    """The estimate of every resource of a template that costs money by itself, by logical id.

    Resources whose cost lands elsewhere (a task definition, a launch template, a service on
    EC2 capacity) are left out; their changes show through the resource that pays.
    """
    prices = table.regions.get(region or "")
    if prices is None:
        reason = f"no prices for {region} in tools/prices.json" if region else "the stack's region is not known at synth"
        return {name: NotPriced(reason) for name, res in resources.items() if res.get("Type") in _PRICED}
    ctx = _Context(resources, prices, region or "", table.hours_per_month)
    estimates = {}
    for name, res in resources.items():
        if res.get("Type") in _PRICED:
            estimate = _PRICED[res["Type"]](name, res.get("Properties", {}), ctx)
            if estimate is not None:
                estimates[name] = estimate
    return estimates


@dataclass(frozen=True)
class Sharing:
    """Services behind shared load balancers (listener rules), and what that saves a month
    against a load balancer (and web ACL) of each one's own."""

    services: int
    load_balancers: int
    web_acls: int  # of the shared load balancers, how many have a web ACL
    saved: float  # load balancer hours only: LCUs and web ACLs are not in the price table

    @property
    def line(self) -> str:
        acls = f" and {self.services - self.load_balancers} web ACLs (not priced)" if self.web_acls else ""
        return (
            f"sharing: {self.services} services on {self.load_balancers} shared load balancer(s) instead of one each saves "
            f"{money(self.saved)} a month in load balancer hours{acls}; LCUs are not priced"
        )


def sharing(resources: dict[str, dict[str, Any]], region: str | None, table: PriceTable) -> Sharing | None:
    """What sharing load balancers saves in this template; None when nothing shares one (or no prices)."""
    prices = table.regions.get(region or "")
    if prices is None:
        return None

    def of_type(kind: str) -> dict[str, dict[str, Any]]:
        return {name: res.get("Properties", {}) for name, res in resources.items() if res.get("Type") == kind}

    listener_lb = {name: _ref(p.get("LoadBalancerArn")) for name, p in of_type("AWS::ElasticLoadBalancingV2::Listener").items()}
    # Services by the target groups their rules forward to (a test-traffic rule forwards to
    # the same group as its service's route).
    routed: dict[str, set[str]] = {}
    for rule in of_type("AWS::ElasticLoadBalancingV2::ListenerRule").values():
        lb = listener_lb.get(_ref(rule.get("ListenerArn")) or "")
        groups = {_ref(a.get("TargetGroupArn")) for a in rule.get("Actions", []) if a.get("Type") == "forward"} - {None}
        if lb and groups:
            routed.setdefault(lb, set()).update(g for g in groups if g)
    if not routed:
        return None
    protected = {_ref(p.get("ResourceArn")) for p in of_type("AWS::WAFv2::WebACLAssociation").values()}
    services, shared = sum(len(g) for g in routed.values()), len(routed)
    saved = (services - shared) * prices.application_load_balancer_hour * table.hours_per_month
    return Sharing(services, shared, sum(1 for lb in routed if lb in protected), saved)


def cost_change(name: str, before: Estimate | None, after: Estimate | None) -> tuple[str, tuple[float, float]]:
    """One review line for a resource (`name` as the review prints it) whose monthly cost changes, and the (low, high) delta it adds."""
    match before, after:
        case Cost(), Cost():
            low, high = after.low - before.low, after.high - before.high
            if before.unit == after.unit:
                basis = f"{before.count} -> {after.count} {after.unit}{after.note}" if before.count != after.count else after.basis
            else:
                basis = f"{before.basis} -> {after.basis}"
            change = f"{money_range(before.low, before.high)} -> {money_range(after.low, after.high)}"
            return f"{name}: {basis}: {change} a month ({signed_range(low, high)})", (low, high)
        case None, Cost():
            return f"{name} (new): {after.basis}: +{money_range(after.low, after.high)} a month", (after.low, after.high)
        case Cost(), None:
            return f"{name} (removed): {before.basis}: -{money_range(before.low, before.high)} a month", (-before.low, -before.high)
    was = f"was {money_range(before.low, before.high)} a month, " if isinstance(before, Cost) else ""
    now = f"now {money_range(after.low, after.high)} a month ({after.basis}), " if isinstance(after, Cost) else ""
    reason = next(e.reason for e in (after, before) if isinstance(e, NotPriced))
    return f"{name}: {was}{now}not priced: {reason}", (0.0, 0.0)


def signed_range(low: float, high: float) -> str:
    def signed(value: float) -> str:
        return ("+" if value >= 0 else "-") + money(abs(value))

    return signed(low) if round(low, 2) == round(high, 2) else f"{signed(low)} to {signed(high)}"
