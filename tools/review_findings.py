"""What changes between two templates of one stack, as findings ranked by consequence.

A finding has a class (what kind of consequence) and is urgent when it is the worst of its
kind: a stateful replacement or deletion (data loss), an exposure to the internet, an
access grant that widens. tools/review.py orders the page by these, never by counts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from tools.assemblies import mask_asset_hashes
from tools.costs import Cost, Estimate, NotPriced, cost_change, load_prices, monthly_costs, sharing, signed_range
from tools.safe_changes import STATEFUL, create_only

WORLD = {"0.0.0.0/0", "::/0"}
IAM_TYPES = {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::EKS::AccessEntry", "AWS::EKS::PodIdentityAssociation"}
EXPOSURE_TYPES = {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::ElasticLoadBalancingV2::LoadBalancer"}
_IDENTITY_FIELDS = {
    "AWS::EKS::AccessEntry": ("PrincipalArn", "Type", "AccessPolicies"),
    "AWS::EKS::PodIdentityAssociation": ("Namespace", "ServiceAccount", "RoleArn"),
}
# The retention policies decide whether a deletion or a replacement keeps the data.
_RETENTION = ("DeletionPolicy", "UpdateReplacePolicy")
_ATTRIBUTES = (*_RETENTION, "UpdatePolicy", "CreationPolicy", "DependsOn", "Condition")
# Properties the access and exposure sections show in their own terms; "Everything else"
# leaves them out so a reviewer reads each change once.
_POLICY_PROPS = ("PolicyDocument", "Policies", "AssumeRolePolicyDocument", "ManagedPolicyArns")
_SHOWN_ELSEWHERE = {
    **dict.fromkeys(("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role"), _POLICY_PROPS),
    "AWS::EC2::SecurityGroup": ("SecurityGroupIngress",),
    "AWS::EC2::SecurityGroupIngress": ("CidrIp", "CidrIpv6", "FromPort", "ToPort", "IpProtocol", "SourceSecurityGroupId"),
    "AWS::EKS::Cluster": tuple(f"ResourcesVpcConfig/{k}" for k in ("EndpointPublicAccess", "EndpointPrivateAccess", "PublicAccessCidrs")),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("Scheme",),
}
CAPACITY_PROPS = {
    "AWS::AutoScaling::AutoScalingGroup": ("MinSize", "MaxSize", "DesiredCapacity"),
    "AWS::ECS::Service": ("DesiredCount", "CapacityProviderStrategy"),
    "AWS::ECS::TaskDefinition": ("Cpu", "Memory"),
    "AWS::EKS::Nodegroup": ("ScalingConfig", "InstanceTypes", "CapacityType"),
    "AWS::EC2::LaunchTemplate": ("LaunchTemplateData/InstanceType",),
    "AWS::ApplicationAutoScaling::ScalableTarget": ("MinCapacity", "MaxCapacity"),
}


class Kind(IntEnum):
    """The sections of a stack's review, in the order a reviewer needs them."""

    REPLACED = 0
    EXPOSURE = 1
    ACCESS = 2
    COMPLIANCE = 3
    COST = 4
    IMAGES = 5
    OTHER = 6

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Kind.REPLACED: "Replacements and deletions",
    Kind.EXPOSURE: "Exposure",
    Kind.ACCESS: "Access",
    Kind.COMPLIANCE: "Compliance",
    Kind.COST: "Capacity and cost",
    Kind.IMAGES: "Images",
    Kind.OTHER: "Everything else",
}


@dataclass(frozen=True)
class Finding:
    kind: Kind
    text: str
    urgent: bool = False  # data loss, internet exposure, widened access


@dataclass
class StackReview:
    """The findings of one stack, and what its cost lines leave out."""

    findings: list[Finding] = field(default_factory=list)
    priced: bool = False
    new: bool = False
    removed: bool = False
    summary: list[str] = field(default_factory=list)  # a new stack: what it holds, instead of every resource
    net: tuple[float, float] = (0.0, 0.0)  # the monthly change of the priced resources (minimum, maximum capacity)
    types: Counter[str] = field(default_factory=Counter)  # a new stack: its resources by type
    unconditioned_trust: int = 0  # a new stack: trust statements without a condition

    def add(self, kind: Kind, text: str, *, urgent: bool = False) -> None:
        self.findings.append(Finding(kind, text, urgent))

    def of(self, kind: Kind) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def empty(self) -> bool:
        return not self.findings and not self.summary


Namer = Callable[[str], str]


def _plain(logical_id: str) -> str:
    return f"`{logical_id}`"


def _normalized(value: Any) -> Any:
    return json.loads(mask_asset_hashes(json.dumps(value)))


def _get(props: dict[str, Any], path: str) -> Any:
    node: Any = props
    for part in path.split("/"):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _diff_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Property paths whose values differ (dicts walked; lists and scalars compared whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        paths: list[str] = []
        for key in sorted(set(old) | set(new)):
            paths += _diff_paths(old.get(key), new.get(key), f"{prefix}/{key}" if prefix else key)
        return paths
    return [] if old == new else [prefix]


def short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _statements(resource: dict[str, Any]) -> list[str]:
    props = resource.get("Properties", {})
    docs = [props.get("PolicyDocument")] + [p.get("PolicyDocument") for p in props.get("Policies", [])]
    return sorted(json.dumps(s, sort_keys=True) for d in docs if d for s in d.get("Statement", []))


def trust(resource: dict[str, Any]) -> list[str]:
    """Who may assume a role, each with the conditions that limit it."""
    out = []
    for statement in resource.get("Properties", {}).get("AssumeRolePolicyDocument", {}).get("Statement", []):
        who = short(statement.get("Principal"), 120)
        action = short(statement.get("Action"), 60)
        condition = statement.get("Condition")
        out.append(f"{who} ({action})" + (f" when {short(condition, 200)}" if condition else " **with no condition**"))
    return out


def _ingress(resource: dict[str, Any]) -> list[str]:
    props = resource.get("Properties", {})
    rules = props.get("SecurityGroupIngress", []) if resource["Type"] == "AWS::EC2::SecurityGroup" else [props]
    return sorted(json.dumps(r, sort_keys=True) for r in rules)


def _is_world(rule: str) -> bool:
    data = json.loads(rule)
    return data.get("CidrIp") in WORLD or data.get("CidrIpv6") in WORLD


def endpoint(vpc_config: dict[str, Any]) -> tuple[str, bool]:
    """An EKS endpoint in words (EKS's defaults: public from anywhere, not private), and
    whether it is reachable from the internet."""
    if not vpc_config.get("EndpointPublicAccess", True):
        return "private only", False
    cidrs = vpc_config.get("PublicAccessCidrs", ["0.0.0.0/0"])
    world = " **open to the internet**" if set(cidrs) & WORLD else ""
    private = ", and private" if vpc_config.get("EndpointPrivateAccess", False) else ""
    return f"**public** from {short(cidrs)}{world}{private}", True


def images(resource: dict[str, Any]) -> dict[str, Any]:
    """A task definition's images by container name, unmasked (a digest change is a change)."""
    return {c.get("Name", "?"): c.get("Image") for c in resource.get("Properties", {}).get("ContainerDefinitions", [])}


def _without_images(resource: dict[str, Any]) -> dict[str, Any]:
    if resource.get("Type") != "AWS::ECS::TaskDefinition":
        return resource
    copy = json.loads(json.dumps(resource))
    for container in copy.get("Properties", {}).get("ContainerDefinitions", []):
        container.pop("Image", None)
    return copy


def review_stack(old: dict[str, Any], new: dict[str, Any], region: str | None = None, *, name: Namer = _plain) -> StackReview:
    """Compare two templates of the same stack (either may be empty: a new or deleted stack).
    `name` turns a logical id into what the review prints."""
    out = StackReview(new=bool(new) and not old, removed=bool(old) and not new)
    raw_old, raw_new = old.get("Resources", {}), new.get("Resources", {})
    old_res, new_res = _normalized(raw_old), _normalized(raw_new)
    if out.new:
        _new_stack(out, new_res, region, name)
        return out
    for logical in sorted(set(old_res) - set(new_res)):
        kind = old_res[logical]["Type"]
        stateful = kind in STATEFUL and old_res[logical].get("DeletionPolicy") not in {"Retain", "RetainExceptOnCreate"}
        lost = f" **data-loss risk**: loses {STATEFUL[kind]}" if stateful else ""
        risk = lost or (" (retained: the resource stays, outside the stack)" if kind in STATEFUL else "")
        out.add(Kind.REPLACED, f"deleted {name(logical)} ({kind}){risk}", urgent=kind in STATEFUL)
    for logical in sorted(set(new_res) - set(old_res)):
        _added(out, logical, new_res[logical], name)
    for logical in sorted(set(old_res) & set(new_res)):
        _compare_resource(out, logical, _without_images(old_res[logical]), _without_images(new_res[logical]), name)
        before, after = images(raw_old[logical]), images(raw_new[logical])
        for container in sorted(set(before) | set(after)):
            if before.get(container) != after.get(container):
                out.add(
                    Kind.IMAGES, f"{name(logical)} container `{container}`: {short(before.get(container))} -> {short(after.get(container))}"
                )
    _costs(out, old_res, new_res, region, name)
    return out


def _new_stack(out: StackReview, resources: dict[str, Any], region: str | None, name: Namer) -> None:
    """A new stack in a few lines: what it holds, what it exposes, who it trusts, what it costs."""
    counts = out.types = Counter(r["Type"] for r in resources.values())
    top = ", ".join(f"{n} {t.removeprefix('AWS::')}" for t, n in counts.most_common(8))
    more = f" and {len(counts) - 8} more types" if len(counts) > 8 else ""
    out.summary.append(f"{len(resources)} resources: {top}{more}")
    for logical, resource in sorted(resources.items()):
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind in {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"}:
            for rule in _ingress(resource):
                if _is_world(rule):
                    out.add(Kind.EXPOSURE, f"{name(logical)} allows {rule} **open to the internet**", urgent=True)
        if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and props.get("Scheme", "internet-facing") == "internet-facing":
            out.add(Kind.EXPOSURE, f"{name(logical)} is **internet-facing**", urgent=True)
        if kind == "AWS::EKS::Cluster":
            words, public = endpoint(props.get("ResourcesVpcConfig", {}))
            out.add(Kind.EXPOSURE, f"{name(logical)} endpoint: {words}", urgent=public)
        if kind == "AWS::EKS::AccessEntry":
            out.add(Kind.ACCESS, f"{name(logical)}: cluster access for {short(props.get('PrincipalArn'))}", urgent=True)
    principals = Counter(t.split(" (", 1)[0] for r in resources.values() if r["Type"] == "AWS::IAM::Role" for t in trust(r))
    unconditioned = out.unconditioned_trust = sum(
        1 for r in resources.values() if r["Type"] == "AWS::IAM::Role" for t in trust(r) if "with no condition" in t
    )
    if principals:
        trusted = ", ".join(f"{p} x{n}" if n > 1 else p for p, n in sorted(principals.items()))
        out.add(
            Kind.ACCESS, f"{counts['AWS::IAM::Role']} roles, trusted by {trusted}; {unconditioned} trust statement(s) without a condition"
        )
    _costs(out, {}, resources, region, name, itemize=False)


def _added(out: StackReview, logical: str, resource: dict[str, Any], name: Namer) -> None:
    kind, props = resource["Type"], resource.get("Properties", {})
    target = Kind.ACCESS if kind in IAM_TYPES else Kind.EXPOSURE if kind in EXPOSURE_TYPES else Kind.OTHER
    if kind not in {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} | EXPOSURE_TYPES:
        out.add(target, f"added {name(logical)} ({kind})")
    if kind == "AWS::IAM::Role":
        out.add(Kind.ACCESS, f"new role {name(logical)} trusts " + "; ".join(trust(resource)), urgent=True)
    if kind in {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
        statements = _statements(resource)
        if kind != "AWS::IAM::Role" and not statements:
            out.add(Kind.ACCESS, f"added {name(logical)} ({kind})")
        out.findings += [Finding(Kind.ACCESS, f"{name(logical)} grants {s}", True) for s in statements]
    if kind in _IDENTITY_FIELDS:
        detail = ", ".join(f"{k} {short(props.get(k))}" for k in _IDENTITY_FIELDS[kind])
        out.add(Kind.ACCESS, f"{name(logical)}: {detail}", urgent=True)
    if kind in {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"}:
        rules = _ingress(resource)
        if not rules and kind == "AWS::EC2::SecurityGroup":
            out.add(Kind.EXPOSURE, f"added {name(logical)} (no ingress)")
        for rule in rules:
            world = _is_world(rule)
            out.add(Kind.EXPOSURE, f"{name(logical)} allows {rule}" + (" **open to the internet**" if world else ""), urgent=world)
    if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        public = props.get("Scheme", "internet-facing") == "internet-facing"
        out.add(Kind.EXPOSURE, f"added {name(logical)}, " + ("**internet-facing**" if public else "internal"), urgent=public)
    if kind == "AWS::EKS::Cluster":
        words, public = endpoint(props.get("ResourcesVpcConfig", {}))
        out.add(Kind.EXPOSURE, f"new cluster {name(logical)} endpoint: {words}", urgent=public)


def _costs(
    out: StackReview, old_res: dict[str, Any], new_res: dict[str, Any], region: str | None, name: Namer, *, itemize: bool = True
) -> None:
    """Monthly cost lines for the resources whose cost changes, and the stack's net change,
    with what the net leaves out (never a "not priced" figure shown as $0.00)."""
    table = load_prices()
    before, after = monthly_costs(old_res, region, table), monthly_costs(new_res, region, table)
    shared = sharing(new_res, region, table)
    if shared is not None and shared != sharing(old_res, region, table):
        out.add(Kind.COST, shared.line)
    low = high = 0.0
    left_out: dict[str, list[str]] = {}
    for logical in sorted(set(before) | set(after)):
        old, new = before.get(logical), after.get(logical)
        if old == new or (isinstance(old, Cost) and old.same_price(new)):
            continue
        line, (d_low, d_high) = cost_change(name(logical), old, new)
        if itemize:
            out.add(Kind.COST, line)
        out.priced = True
        low, high = low + d_low, high + d_high
        reason = _left_out(new if new is not None else old)
        if reason:
            left_out.setdefault(reason, []).append(name(logical))
    if not out.priced:
        return
    out.net = (low, high)
    net = f"net: {signed_range(low, high)} a month (at minimum and at maximum capacity)" if low or high else "net: no priced change"
    if left_out:
        net += "; not included: " + "; ".join(
            f"{reason} ({len(labels)} resources)" if len(labels) > 2 else f"{reason} ({', '.join(labels)})"
            for reason, labels in sorted(left_out.items())
        )
    out.add(Kind.COST, net)


def _left_out(estimate: Estimate | None) -> str | None:
    """What a resource's estimate leaves out, in words; None when it is priced in full."""
    if isinstance(estimate, NotPriced):
        return estimate.reason
    if isinstance(estimate, Cost) and "not priced" in estimate.note:
        words = estimate.note.strip(" ,")
        for suffix in (" (not priced)", ": not priced)", " not priced)"):
            words = words.removesuffix(suffix)
        return f"{words.strip(' ()')}: not priced"
    return None


def _compare_resource(out: StackReview, logical: str, old: dict[str, Any], new: dict[str, Any], name: Namer) -> None:
    kind = new["Type"]
    label = name(logical)
    if old["Type"] != kind:
        out.add(Kind.REPLACED, f"{label} changes type {old['Type']} -> {kind} (replaced)", urgent=old["Type"] in STATEFUL)
        return
    old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
    changed = _diff_paths(old_props, new_props)
    attributes = [a for a in _ATTRIBUTES if old.get(a) != new.get(a)]
    if not changed and not attributes:
        return
    replacing = [p for p in changed if any(p == c or p.startswith(f"{c}/") for c in create_only(kind))] if kind.startswith("AWS::") else []
    if replacing:
        stateful = kind in STATEFUL
        risk = f" **data-loss risk**: loses {STATEFUL[kind]}" if stateful else ""
        out.add(Kind.REPLACED, f"{label} ({kind}) is **replaced**: {', '.join(replacing)} changed{risk}", urgent=stateful)
    for attribute in attributes:
        weakened = attribute in _RETENTION and new.get(attribute) in {None, "Delete"}
        target = Kind.REPLACED if attribute in _RETENTION else Kind.OTHER
        out.add(target, f"{label} ({kind}) {attribute}: {short(old.get(attribute))} -> {short(new.get(attribute))}", urgent=weakened)
    if kind in IAM_TYPES:
        _access_changes(out, label, old, new)
    _exposure_changes(out, label, old, new)
    for prop in CAPACITY_PROPS.get(kind, ()):
        if _get(old_props, prop) != _get(new_props, prop):
            out.add(Kind.COST, f"{label} {prop}: {short(_get(old_props, prop))} -> {short(_get(new_props, prop))}")
    shown = (*replacing, *CAPACITY_PROPS.get(kind, ()), *_SHOWN_ELSEWHERE.get(kind, ()))
    for p in changed:
        if not any(p == s or p.startswith(f"{s}/") for s in shown):
            out.add(Kind.OTHER, f"{label} ({kind}) {p}: {short(_get(old_props, p))} -> {short(_get(new_props, p))}")


def _access_changes(out: StackReview, label: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    before, after = set(_statements(old)), set(_statements(new))
    out.findings += [Finding(Kind.ACCESS, f"{label} now grants {s}", True) for s in sorted(after - before)]
    out.findings += [Finding(Kind.ACCESS, f"{label} no longer grants {s}") for s in sorted(before - after)]
    old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
    if old_props.get("AssumeRolePolicyDocument") != new_props.get("AssumeRolePolicyDocument"):
        was, now = set(trust(old)), set(trust(new))
        out.findings += [Finding(Kind.ACCESS, f"{label} now trusts {t}", True) for t in sorted(now - was)]
        out.findings += [Finding(Kind.ACCESS, f"{label} no longer trusts {t}") for t in sorted(was - now)]
    if old_props.get("ManagedPolicyArns") != new_props.get("ManagedPolicyArns"):
        added = [p for p in new_props.get("ManagedPolicyArns", []) if p not in old_props.get("ManagedPolicyArns", [])]
        text = f"{label} managed policies: {short(old_props.get('ManagedPolicyArns'))} -> {short(new_props.get('ManagedPolicyArns'))}"
        out.add(Kind.ACCESS, text, urgent=bool(added))
    if new["Type"] == "AWS::EKS::AccessEntry" and old_props != new_props:
        detail = ", ".join(
            f"{k} {short(old_props.get(k))} -> {short(new_props.get(k))}"
            for k in _IDENTITY_FIELDS[new["Type"]]
            if old_props.get(k) != new_props.get(k)
        )
        out.add(Kind.ACCESS, f"{label} cluster access: {detail}", urgent=True)


def _exposure_changes(out: StackReview, label: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    kind, old_props, new_props = new["Type"], old.get("Properties", {}), new.get("Properties", {})
    if kind in {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"}:
        before, after = set(_ingress(old)), set(_ingress(new))
        for rule in sorted(after - before):
            world = _is_world(rule)
            out.add(Kind.EXPOSURE, f"{label} now allows {rule}" + (" **open to the internet**" if world else ""), urgent=world)
        out.findings += [Finding(Kind.EXPOSURE, f"{label} no longer allows {r}") for r in sorted(before - after)]
    if kind == "AWS::EKS::Cluster":
        (was, _), (now, public) = (endpoint(p.get("ResourcesVpcConfig", {})) for p in (old_props, new_props))
        if was != now:
            out.add(Kind.EXPOSURE, f"{label} endpoint: {was} -> {now}", urgent=public)
    if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and old_props.get("Scheme") != new_props.get("Scheme"):
        public = new_props.get("Scheme", "internet-facing") == "internet-facing"
        out.add(Kind.EXPOSURE, f"{label} scheme {old_props.get('Scheme')} -> {new_props.get('Scheme')}", urgent=public)
