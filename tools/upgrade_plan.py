"""`make upgrade-plan ENV=... TO=1.xx`: an EKS version upgrade as the config edits to make.

EKS moves a cluster one minor version at a time, control plane first; add-ons and nodes
follow (https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html). No tool does it
for a CloudFormation-managed cluster (aws/containers-roadmap#1946), and the order matters:
nodes newer than the control plane are refused, add-ons that the new version does not support
break. This reads the environment's config and berth's dated data (tools/eks_versions.json,
with its sources) and prints:

- the checks: the version step, the support calendar, what the target version changes or
  removes for this cluster's node types, which pinned add-on versions the target supports and
  which must move (and to what), each node group's version skew;
- the steps, in order, as config edits, one reviewed deploy each (`make review`, then `make
  deploy`): 1. the control plane (and kube-proxy, which follows its minor version); 2. the
  other add-ons that must move; 3. the nodes.

Offline by default: nothing is looked up. With `--online` (AWS credentials for the
environment's account) it also reads the cluster's upgrade insights (EKS ListInsights /
DescribeInsight), the add-on versions EKS offers for the target (DescribeAddonVersions), and
the AMI release of the target version for each node group (the public SSM parameters), and
these replace the data's answers.

    python -m tools.upgrade_plan --env prod --to 1.35 [--online]
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.eks_models import NODE_SKEW, EksConfig, NodeGroupConfig, minor
from config.limits import KUBERNETES_VERSIONS
from config.models import PlatformConfig
from tools.aws_account import environment_from_cli

DATA = Path(__file__).resolve().parent / "eks_versions.json"

OK = "ok"
MOVE = "move"
CHECK = "check"  # berth's data cannot answer: read the named source, or run with --online
NOTE = "note"
BLOCKER = "blocker"


@dataclass(frozen=True)
class Finding:
    status: str
    subject: str
    detail: str


@dataclass(frozen=True)
class Edit:
    """One config change: `path` in tests/factories.py's syntax (`eks.node_groups[gpu].version`)."""

    path: str
    old: str | None
    new: str
    known: bool = True  # False: `new` says where to find the value (offline, a release not in berth's data)

    def render(self) -> str:
        old = "(unset)" if self.old is None else f'"{self.old}"'
        new = f'"{self.new}"' if self.known else self.new
        return f"{self.path}: {old} -> {new}"


@dataclass(frozen=True)
class Step:
    title: str
    edits: tuple[Edit, ...]
    note: str = ""


@dataclass
class Plan:
    env: str
    current: str
    target: str
    data_date: str
    online: bool
    findings: list[Finding] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(f.status == BLOCKER for f in self.findings)

    def render(self) -> str:
        source = "berth's data of " + self.data_date + " (tools/eks_versions.json)" + (", and the account's answers" if self.online else "")
        lines = [f"# Upgrade plan: {self.env}, Kubernetes {self.current} -> {self.target}", "", f"From {source}.", "", "## Checks", ""]
        width = max((len(f.status) for f in self.findings), default=0)
        lines += [f"- [{f.status:<{width}}] {f.subject}: {f.detail}" for f in self.findings]
        lines += ["", "## Steps", ""]
        if self.blocked:
            lines.append("None until every blocker above is resolved.")
        for number, step in enumerate([] if self.blocked else self.steps, 1):
            lines.append(f"{number}. {step.title}")
            lines += [f"   - {edit.render()}" for edit in step.edits]
            if step.note:
                lines.append(f"   {step.note}")
            lines.append("   Then `make review`, and `make deploy ENV=" + self.env + "` once the pull request is approved.")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Live:
    """What `--online` read from the account; empty fields mean "not read"."""

    insights: tuple[Finding, ...] = ()
    # add-on -> (versions EKS offers for the target, EKS's default among them)
    addon_versions: dict[str, tuple[frozenset[str], str | None]] = field(default_factory=dict)
    # node group name -> the target's AMI release for its AMI type
    releases: dict[str, str] = field(default_factory=dict)


def load_data(path: Path = DATA) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def plan(config: PlatformConfig, target: str, data: dict[str, Any], *, today: datetime.date, live: Live | None = None) -> Plan:
    """The plan for `config`'s cluster to `target`. Pure: everything it knows is in its arguments."""
    if config.eks is None:
        raise SystemExit(f"environment '{config.name}' has no EKS cluster: nothing to upgrade")
    eks = config.eks
    result = Plan(config.name, eks.version, target, data["retrieved"], live is not None)
    findings = result.findings
    findings += _version_step(eks, target)
    if result.blocked:
        return result
    findings += _support(eks.version, target, data, today)
    findings += _automatic(eks, data, today)
    findings += _changes(eks, target, data)
    if live is not None:
        findings += live.insights
    addon_moves = _addons(eks, target, data, live, findings)
    node_edits = _nodes(eks, target, data, live, findings)
    proxy = addon_moves.pop("kube-proxy", None)
    first = [Edit("eks.version", eks.version, target), *([proxy] if proxy else [])]
    result.steps.append(
        Step(
            "The control plane" + (" and kube-proxy" if proxy else ""),
            tuple(first),
            " ".join(
                part
                for part in [
                    "CloudFormation updates the cluster first" + (", then kube-proxy (it depends on the cluster)." if proxy else "."),
                    "Existing node groups stay where they are." if eks.node_groups else "",
                    "EKS Auto Mode then moves its own nodes, within your pod disruption budgets." if eks.auto_mode.enabled else "",
                ]
                if part
            ),
        )
    )
    if addon_moves:
        result.steps.append(Step("The other add-ons", tuple(addon_moves[name] for name in sorted(addon_moves))))
    if node_edits:
        result.steps.append(
            Step(
                "The nodes",
                tuple(node_edits),
                "Each group replaces its nodes max_unavailable_percent at a time, draining them first; one group per deploy"
                " if you want to watch each.",
            )
        )
    if eks.fargate_profiles:
        findings.append(
            Finding(NOTE, "Fargate profiles", "Fargate pods keep their kubelet until they restart: after step 1, restart them (a rollout).")
        )
    return result


def _version_step(eks: EksConfig, target: str) -> list[Finding]:
    if target not in KUBERNETES_VERSIONS:
        known = ", ".join(KUBERNETES_VERSIONS)
        return [
            Finding(
                BLOCKER, "target", f"{target} is not a Kubernetes version the pinned aws-cdk-lib knows ({known}): upgrade aws-cdk-lib first"
            )
        ]
    if minor(target) <= minor(eks.version):
        return [Finding(BLOCKER, "target", f"the cluster is at {eks.version}: EKS upgrades only forward")]
    if minor(target) > minor(eks.version) + 1:
        step = f"1.{minor(eks.version) + 1}"
        return [
            Finding(
                BLOCKER,
                "target",
                f"EKS moves one minor version per upgrade: plan {eks.version} -> {step} first, deploy it, then {step} -> ...",
            )
        ]
    return [Finding(OK, "target", f"{eks.version} -> {target}: one minor version")]


def _support(current: str, target: str, data: dict[str, Any], today: datetime.date) -> list[Finding]:
    found = []
    for version, role in ((current, "current"), (target, "target")):
        known = data["versions"].get(version)
        if known is None or known["end_of_standard_support"] is None:
            found.append(
                Finding(CHECK, f"support of {version}", "not in berth's data: see the EKS release calendar (kubernetes-versions.html)")
            )
            continue
        standard = datetime.date.fromisoformat(known["end_of_standard_support"])
        extended = known["end_of_extended_support"]
        when = "ended" if standard < today else "ends"
        status = NOTE if role == "current" and standard < today + datetime.timedelta(days=90) else OK
        found.append(
            Finding(status, f"support of {version} ({role})", f"standard support {when} {standard}; extended support until {extended}")
        )
    return found


def _automatic(eks: EksConfig, data: dict[str, Any], today: datetime.date) -> list[Finding]:
    """support: STANDARD has EKS upgrade the control plane itself when standard support ends."""
    end = data["versions"].get(eks.version, {}).get("end_of_standard_support")
    if eks.support != "STANDARD" or end is None:
        return []
    when = datetime.date.fromisoformat(end)
    tense = "upgraded" if when < today else "upgrades"
    detail = f"eks.support is STANDARD: EKS {tense} the control plane itself at the end of standard support ({when}); deploy step 1 first"
    return [Finding(NOTE, "automatic upgrade", detail + " and the config stays true to the cluster")]


def _kinds(eks: EksConfig) -> set[str]:
    """What the cluster runs, in the terms of the data's `applies_to`: AMI type prefixes, FARGATE, CLUSTER."""
    kinds = {"CLUSTER"} | {group.ami_type for group in eks.node_groups}
    if eks.fargate_profiles:
        kinds.add("FARGATE")
    return kinds


def _changes(eks: EksConfig, target: str, data: dict[str, Any]) -> list[Finding]:
    known = data["versions"].get(target)
    if known is None:
        return [Finding(CHECK, f"changes in {target}", "not in berth's data: read 'Review release notes for Kubernetes versions' first")]
    kinds = _kinds(eks)
    found = []
    for change in known["changes"]:
        if any(kind.startswith(prefix) or kind == prefix for prefix in change["applies_to"] for kind in kinds):
            found.append(Finding(NOTE, f"{target} changes", f"{change['change']} {change['action']}"))
    return found


def _addons(eks: EksConfig, target: str, data: dict[str, Any], live: Live | None, findings: list[Finding]) -> dict[str, Edit]:
    """Each pinned add-on's finding; the edits of those that must move."""
    moves: dict[str, Edit] = {}
    if eks.auto_mode.enabled and not eks.addons:
        findings.append(Finding(OK, "add-ons", "EKS Auto Mode runs the core add-ons and moves them with the cluster"))
    for name, pinned in sorted(eks.addons.items()):
        subject = f"add-on {name} {pinned}"
        offered = live.addon_versions.get(name) if live else None
        if offered is not None:
            versions, default = offered
            if pinned in versions:
                findings.append(Finding(OK, subject, f"EKS offers it for {target}"))
            elif default:
                findings.append(Finding(MOVE, subject, f"EKS does not offer it for {target}; its default for {target} is {default}"))
                moves[name] = Edit(f"eks.addons.{name}", pinned, default)
            else:
                findings.append(Finding(BLOCKER, subject, f"EKS offers no version of {name} for {target}"))
            continue
        known = data["addons"].get(name, {})
        recommended = known.get("recommended", {}).get(target)
        if target in known.get("compatible", {}).get(pinned, []):
            findings.append(Finding(OK, subject, f"documented for {target} ({known['source']})"))
        elif known.get("follows_cluster_minor") or recommended:
            why = "follows the cluster's minor version" if known.get("follows_cluster_minor") else f"not documented for {target}"
            if recommended:
                findings.append(Finding(MOVE, subject, f"{why}; AWS lists {recommended} for {target}"))
                moves[name] = Edit(f"eks.addons.{name}", pinned, recommended)
            else:
                findings.append(Finding(CHECK, subject, f"{why}; berth's data has no {name} version for {target}: run with --online"))
                moves[name] = Edit(f"eks.addons.{name}", pinned, f"a v{target}.x version (ONLINE=1 names it)", known=False)
        else:
            findings.append(
                Finding(CHECK, subject, f"berth's data cannot say whether {target} supports it: run with --online (DescribeAddonVersions)")
            )
    return moves


def _nodes(eks: EksConfig, target: str, data: dict[str, Any], live: Live | None, findings: list[Finding]) -> list[Edit]:
    """Each node group's skew finding; the edits that move it to `target`."""
    edits: list[Edit] = []
    for group in eks.node_groups:
        nodes = group.version or group.release_minor or eks.version
        behind = minor(target) - minor(nodes)
        subject = f"node group {group.name}"
        if behind > NODE_SKEW:
            findings.append(
                Finding(
                    BLOCKER,
                    subject,
                    f"nodes at {nodes} would be {behind} minor versions behind {target} (at most {NODE_SKEW}): move them first",
                )
            )
            continue
        findings.append(
            Finding(
                OK, subject, f"nodes at {nodes}: {behind} minor version(s) behind {target} after step 1, within the skew of {NODE_SKEW}"
            )
        )
        path = f"eks.node_groups[{group.name}]"
        edits.append(Edit(f"{path}.version", group.version, target))
        # The release moves too: an AL2023 release names its Kubernetes minor, and a Bottlerocket
        # release carries the aws-k8s-<minor> variants that existed when it was built.
        release, known = _target_release(group, target, data, live)
        edits.append(Edit(f"{path}.release_version", group.release_version, release, known))
    return edits


def _target_release(group: NodeGroupConfig, target: str, data: dict[str, Any], live: Live | None) -> tuple[str, bool]:
    """(the target's AMI release for the group, whether it is the value itself) or where to read it."""
    if live is not None and group.name in live.releases:
        return live.releases[group.name], True
    parameter = release_parameter(group.ami_type, target, data)
    return (f"the value of SSM parameter {parameter}" if parameter else f"a release for {target}"), False


def release_parameter(ami_type: str, version: str, data: dict[str, Any]) -> str | None:
    template = data["node_release_parameters"].get(ami_type)
    return template.format(version=version) if template else None


def read_live(config: PlatformConfig, target: str, data: dict[str, Any], aws: Any) -> Live:
    """The account's answers (`aws(service)` returns a boto3 client in the environment's region)."""
    if config.eks is None:
        return Live()
    eks = aws("eks")
    insights = []
    summaries: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = eks.list_insights(
            clusterName=config.eks.cluster_name, filter={"categories": ["UPGRADE_READINESS"], "kubernetesVersions": [target]}, **token
        )
        summaries += page.get("insights", [])
        if not page.get("nextToken"):
            break
        token = {"nextToken": page["nextToken"]}
    for summary in summaries:
        status = summary.get("insightStatus", {}).get("status", "UNKNOWN")
        if status == "PASSING":
            continue
        detail = eks.describe_insight(clusterName=config.eks.cluster_name, id=summary["id"])["insight"]
        level = BLOCKER if status == "ERROR" else NOTE
        text = detail.get("recommendation") or detail.get("description") or summary.get("description", "")
        insights.append(Finding(level, f"EKS insight: {summary.get('name', summary['id'])} ({status})", str(text)))
    addon_versions: dict[str, tuple[frozenset[str], str | None]] = {}
    for name in sorted(config.eks.addons):
        offered: set[str] = set()
        default = None
        for addon in eks.describe_addon_versions(addonName=name, kubernetesVersion=target)["addons"]:
            for version in addon["addonVersions"]:
                offered.add(version["addonVersion"])
                if any(c.get("clusterVersion") == target and c.get("defaultVersion") for c in version.get("compatibilities", [])):
                    default = version["addonVersion"]
        addon_versions[name] = (frozenset(offered), default)
    releases = {}
    for group in config.eks.node_groups:
        parameter = release_parameter(group.ami_type, target, data)
        if parameter:
            releases[group.name] = aws("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]
    return Live(tuple(insights), addon_versions, releases)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", required=True, help="the Kubernetes minor version to upgrade to, e.g. 1.35")
    parser.add_argument("--online", action="store_true", help="also read the account's answers (AWS credentials)")
    own, rest = parser.parse_known_args(args)
    config = environment_from_cli(rest, "Plan an EKS version upgrade.")
    data = load_data()
    live = None
    if own.online:
        import boto3  # noqa: PLC0415 - only --online needs the SDK

        from tools.preflight import Clients  # noqa: PLC0415

        live = read_live(config, own.to, data, Clients(boto3.Session(region_name=config.region), config.region))
    result = plan(config, own.to, data, today=datetime.date.today(), live=live)
    print(result.render(), end="")
    return 1 if result.blocked else 0


if __name__ == "__main__":
    sys.exit(main())
