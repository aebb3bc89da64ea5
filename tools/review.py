"""`make review`: what a change means, per environment and stack, most dangerous first.

Synthesizes every environment at a base commit (in a temporary git worktree, with this
checkout's venv and CLI) and in the working tree, compares the templates and the recorded
acknowledgments, and writes review.md. Offline; no AWS account.

    python -m tools.review [--base REF]     # default: merge-base with main, or HEAD~1 on main
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.assemblies import default_base, mask_asset_hashes, stack_artifacts, synthesize_checkout
from tools.compliance import read_acknowledgments
from tools.costs import Cost, cost_change, load_prices, monthly_costs, signed_range
from tools.safe_changes import STATEFUL, create_only

ROOT = Path(__file__).resolve().parent.parent
REVIEW_PATH = ROOT / "review.md"
# The first line of review.md: the CI workflow finds its own pull-request comment by it.
MARKER = "<!-- berth-review -->"
WORLD = {"0.0.0.0/0", "::/0"}

IAM_TYPES = {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::EKS::AccessEntry", "AWS::EKS::PodIdentityAssociation"}
EXPOSURE_TYPES = {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::ElasticLoadBalancingV2::LoadBalancer"}
# What to show of a new cluster-access or workload-identity resource.
_IDENTITY_FIELDS = {
    "AWS::EKS::AccessEntry": ("PrincipalArn", "Type", "AccessPolicies"),
    "AWS::EKS::PodIdentityAssociation": ("Namespace", "ServiceAccount", "RoleArn"),
}
# Resource attributes compared besides Properties; the retention policies decide whether a
# deletion or a replacement keeps the data, so they are read with the replacements.
_RETENTION = ("DeletionPolicy", "UpdateReplacePolicy")
_ATTRIBUTES = (*_RETENTION, "UpdatePolicy", "CreationPolicy", "DependsOn", "Condition")
# Properties the access and exposure sections already show, in their own terms; "Everything
# else" leaves them out so a reviewer reads each change once.
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


@dataclass
class StackReview:
    """The findings of one stack, by section."""

    replacements: list[str] = field(default_factory=list)
    access: list[str] = field(default_factory=list)
    exposure: list[str] = field(default_factory=list)
    compliance: list[str] = field(default_factory=list)
    capacity: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    priced: bool = False  # a capacity line gives a monthly cost: the review names the price table

    SECTIONS = (
        ("replacements", "Replacements and deletions"),
        ("access", "Access"),
        ("exposure", "Exposure"),
        ("compliance", "Compliance"),
        ("capacity", "Capacity"),
        ("other", "Everything else"),
    )

    def empty(self) -> bool:
        return not any(getattr(self, name) for name, _ in self.SECTIONS)


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


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def _statements(resource: dict[str, Any]) -> list[str]:
    props = resource.get("Properties", {})
    docs = [props.get("PolicyDocument")] + [p.get("PolicyDocument") for p in props.get("Policies", [])]
    return sorted(json.dumps(s, sort_keys=True) for d in docs if d for s in d.get("Statement", []))


def _ingress(resource: dict[str, Any]) -> list[str]:
    props = resource.get("Properties", {})
    rules = props.get("SecurityGroupIngress", []) if resource["Type"] == "AWS::EC2::SecurityGroup" else [props]
    return sorted(json.dumps(r, sort_keys=True) for r in rules)


def _is_world(rule: str) -> bool:
    data = json.loads(rule)
    return data.get("CidrIp") in WORLD or data.get("CidrIpv6") in WORLD


def _endpoint(vpc_config: dict[str, Any]) -> str:
    """An EKS endpoint in words, with EKS's defaults (public from anywhere, not private)."""
    if not vpc_config.get("EndpointPublicAccess", True):
        return "private only"
    cidrs = vpc_config.get("PublicAccessCidrs", ["0.0.0.0/0"])
    world = " **open to the internet**" if set(cidrs) & WORLD else ""
    private = ", and private" if vpc_config.get("EndpointPrivateAccess", False) else ""
    return f"public from {_short(cidrs)}{world}{private}"


def review_stack(old: dict[str, Any], new: dict[str, Any], region: str | None = None) -> StackReview:
    """Compare two templates of the same stack (either may be empty: a new or deleted stack)."""
    out = StackReview()
    old_res, new_res = _normalized(old.get("Resources", {})), _normalized(new.get("Resources", {}))
    for name in sorted(set(old_res) - set(new_res)):
        kind = old_res[name]["Type"]
        risk = " **data-loss risk**" if kind in STATEFUL else ""
        out.replacements.append(f"deleted `{name}` ({kind}){risk}")
    for name in sorted(set(new_res) - set(old_res)):
        _added(out, name, new_res[name])
    for name in sorted(set(old_res) & set(new_res)):
        _compare_resource(out, name, old_res[name], new_res[name])
    _costs(out, old_res, new_res, region)
    return out


def _added(out: StackReview, name: str, resource: dict[str, Any]) -> None:
    kind, props = resource["Type"], resource.get("Properties", {})
    target = out.access if kind in IAM_TYPES else out.exposure if kind in EXPOSURE_TYPES else out.other
    target.append(f"added `{name}` ({kind})")
    if kind == "AWS::IAM::Role":
        trust = props.get("AssumeRolePolicyDocument", {}).get("Statement", [])
        out.access.append(f"new role `{name}` trusts {_short([s.get('Principal') for s in trust])}")
    if kind in IAM_TYPES:
        out.access += [f"`{name}` grants {s}" for s in _statements(resource)]
    if kind in _IDENTITY_FIELDS:
        out.access.append(f"`{name}`: " + ", ".join(f"{k} {_short(props.get(k))}" for k in _IDENTITY_FIELDS[kind]))
    if kind in {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"}:
        out.exposure += [f"`{name}` allows {r}" + (" **open to the internet**" if _is_world(r) else "") for r in _ingress(resource)]
    if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and props.get("Scheme", "internet-facing") == "internet-facing":
        out.exposure.append(f"`{name}` is **internet-facing**")
    if kind == "AWS::EKS::Cluster":
        out.exposure.append(f"new cluster `{name}` endpoint: {_endpoint(props.get('ResourcesVpcConfig', {}))}")


def _costs(out: StackReview, old_res: dict[str, Any], new_res: dict[str, Any], region: str | None) -> None:
    """Monthly cost lines for the resources whose cost changes, and the stack's net change."""
    table = load_prices()
    before, after = monthly_costs(old_res, region, table), monthly_costs(new_res, region, table)
    low = high = 0.0
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new and not (isinstance(old, Cost) and old.same_price(new)):
            line, (d_low, d_high) = cost_change(name, old, new)
            out.capacity.append(line)
            out.priced = True
            low, high = low + d_low, high + d_high
    if any(d for d in (low, high)):
        out.capacity.append(f"net, priced resources only: {signed_range(low, high)} a month (at minimum and at maximum capacity)")


def _compare_resource(out: StackReview, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    kind = new["Type"]
    if old["Type"] != kind:
        out.replacements.append(f"`{name}` changes type {old['Type']} -> {kind} (replaced)")
        return
    old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
    changed = _diff_paths(old_props, new_props)
    attributes = [a for a in _ATTRIBUTES if old.get(a) != new.get(a)]
    if not changed and not attributes:
        return
    replacing = [p for p in changed if any(p == c or p.startswith(f"{c}/") for c in create_only(kind))] if kind.startswith("AWS::") else []
    if replacing:
        risk = " **data-loss risk**" if kind in STATEFUL else ""
        out.replacements.append(f"`{name}` ({kind}) is **replaced**: {', '.join(replacing)} changed{risk}")
    for attribute in attributes:
        target = out.replacements if attribute in _RETENTION else out.other
        target.append(f"`{name}` ({kind}) {attribute}: {_short(old.get(attribute))} -> {_short(new.get(attribute))}")
    if kind in IAM_TYPES:
        _access_changes(out, name, old, new)
    _exposure_changes(out, name, old, new)
    for prop in CAPACITY_PROPS.get(kind, ()):
        if _get(old_props, prop) != _get(new_props, prop):
            out.capacity.append(f"`{name}` {prop}: {_short(_get(old_props, prop))} -> {_short(_get(new_props, prop))}")
    shown = (*replacing, *CAPACITY_PROPS.get(kind, ()), *_SHOWN_ELSEWHERE.get(kind, ()))
    out.other += [
        f"`{name}` ({kind}) {p}: {_short(_get(old_props, p))} -> {_short(_get(new_props, p))}"
        for p in changed
        if not any(p == s or p.startswith(f"{s}/") for s in shown)
    ]


def _access_changes(out: StackReview, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    before, after = set(_statements(old)), set(_statements(new))
    out.access += [f"`{name}` now grants {s}" for s in sorted(after - before)]
    out.access += [f"`{name}` no longer grants {s}" for s in sorted(before - after)]
    old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
    for prop, label in (("AssumeRolePolicyDocument", "trust policy"), ("ManagedPolicyArns", "managed policies")):
        if old_props.get(prop) != new_props.get(prop):
            out.access.append(f"`{name}` {label}: {_short(old_props.get(prop))} -> {_short(new_props.get(prop))}")


def _exposure_changes(out: StackReview, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    kind, old_props, new_props = new["Type"], old.get("Properties", {}), new.get("Properties", {})
    if kind in {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"}:
        before, after = set(_ingress(old)), set(_ingress(new))
        out.exposure += [f"`{name}` now allows {r}" + (" **open to the internet**" if _is_world(r) else "") for r in sorted(after - before)]
        out.exposure += [f"`{name}` no longer allows {r}" for r in sorted(before - after)]
    if kind == "AWS::EKS::Cluster":
        old_endpoint, new_endpoint = (_endpoint(p.get("ResourcesVpcConfig", {})) for p in (old_props, new_props))
        if old_endpoint != new_endpoint:
            out.exposure.append(f"`{name}` endpoint: {old_endpoint} -> {new_endpoint}")
    if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and old_props.get("Scheme") != new_props.get("Scheme"):
        out.exposure.append(f"`{name}` scheme {old_props.get('Scheme')} -> {new_props.get('Scheme')}")


def _templates(outdir: Path | None) -> dict[str, dict[str, Any]]:
    if outdir is None or not outdir.exists():
        return {}
    return {
        p.name.removesuffix(".template.json"): json.loads(p.read_text(encoding="utf-8")) for p in sorted(outdir.glob("*.template.json"))
    }


def _regions(outdir: Path | None) -> dict[str, str]:
    """Each stack's region, from the assembly manifest (environment `aws://account/region`)."""
    if outdir is None or not (outdir / "manifest.json").exists():
        return {}
    regions = {}
    for artifact in stack_artifacts(outdir).values():
        template = artifact.get("properties", {}).get("templateFile", "")
        region = artifact.get("environment", "").rpartition("/")[2]
        if region not in {"", "unknown-region"}:
            regions[template.removesuffix(".template.json")] = region
    return regions


def _acks(outdir: Path | None) -> set[tuple[str, str, str, str]]:
    if outdir is None or not (outdir / "manifest.json").exists():
        return set()
    return {(a.stack, a.resource, f"{a.pack} {a.rule}", a.reason) for a in read_acknowledgments(outdir)}


def _danger(review: StackReview) -> tuple[int, ...]:
    """Sort key: most replacements first, then access, exposure, compliance, capacity."""
    return tuple(-len(getattr(review, name)) for name, _ in StackReview.SECTIONS)


def render(base: dict[str, Path], head: dict[str, Path], base_ref: str) -> str:
    lines = [MARKER, f"# Infrastructure review against `{base_ref}`", ""]
    reviews: list[tuple[str, str, StackReview]] = []
    for env in sorted(set(base) | set(head)):
        old_t, new_t = _templates(base.get(env)), _templates(head.get(env))
        old_a, new_a = _acks(base.get(env)), _acks(head.get(env))
        regions = _regions(base.get(env)) | _regions(head.get(env))
        for stack in sorted(set(old_t) | set(new_t)):
            review = review_stack(old_t.get(stack, {}), new_t.get(stack, {}), regions.get(stack))
            review.compliance += [f"acknowledged `{r}` on `{res}`: {why}" for s, res, r, why in sorted(new_a - old_a) if s == stack]
            review.compliance += [f"no longer acknowledged `{r}` on `{res}`" for s, res, r, _ in sorted(old_a - new_a) if s == stack]
            if stack not in old_t:
                review.other.insert(0, "new stack")
            if stack not in new_t:
                review.replacements.insert(0, "**stack removed**")
            if not review.empty():
                reviews.append((env, stack, review))
    for env, stack, review in sorted(reviews, key=lambda r: (_danger(r[2]), r[0], r[1])):
        lines += [f"## {env} / {stack}", ""]
        for name, title in StackReview.SECTIONS:
            items = getattr(review, name)
            if items:
                lines += [f"### {title}", "", *(f"- {item}" for item in items), ""]
    if not reviews:
        lines.append("No infrastructure change: every environment synthesizes to the same templates and acknowledgments.")
    elif any(review.priced for _, _, review in reviews):
        table = load_prices()
        lines.append(
            f"Costs: {table.basis}; {table.hours_per_month:g} hours a month; prices as of {table.as_of.isoformat()} "
            "from `tools/prices.json`, which names its source."
        )
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="Review what a change does to the synthesized infrastructure.")
    parser.add_argument("--base", default=None, help="git ref to compare against (default: merge-base with main, or HEAD~1 on main)")
    parser.add_argument("--environments", nargs="*", default=None, help="only these environments (default: all)")
    args = parser.parse_args()
    base_ref = args.base or default_base()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        worktree = work / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), base_ref], cwd=ROOT, check=True, capture_output=True)
        try:
            base = synthesize_checkout(worktree, work / "base-out", args.environments)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False, capture_output=True)
        head = synthesize_checkout(ROOT, work / "head-out", args.environments)
        text = render(base, head, base_ref)
    REVIEW_PATH.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
