"""A Mermaid picture of each environment, drawn from its synthesized assembly.

What is drawn is what the templates create: the VPC with its availability zones, public and
private subnets and NAT gateways; load balancers, the services behind them and the capacity
providers they run on; the EKS cluster with its node groups, Fargate profiles and pod
identities; each stack's key and the alarm topic. Names come from tools/names.py (the
config's words), node ids from logical ids, so a change to the picture is a change to the
infrastructure. GitHub renders the ```mermaid blocks of docs/architecture.md; the review
shows the picture again when the topology changes, with added and removed parts marked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.assemblies import stack_artifacts
from tools.names import resource_name, stack_role

INTERNET = "internet"


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    group: tuple[tuple[str, str], ...]  # nested subgraphs: (id, title) from the outside in
    shape: str = "box"  # box, round, db, circle


@dataclass
class Diagram:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: set[tuple[str, str, str]] = field(default_factory=set)  # (from, to, label)

    def add(self, node: Node) -> str:
        self.nodes[node.id] = node
        return node.id

    def link(self, source: str, target: str, label: str = "") -> None:
        self.edges.add((source, target, label))


def _id(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "", p) for p in parts)


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            return value["Ref"]
        if isinstance(value.get("Fn::GetAtt"), list):
            return value["Fn::GetAtt"][0]
    return None


def _tag(props: dict[str, Any], key: str) -> str | None:
    return next((t.get("Value") for t in props.get("Tags", []) if t.get("Key") == key), None)


def _short(name: str, env: str, role: str) -> str:
    return name.removeprefix(f"{env} / {role} / ").removeprefix(f"{env} / {role}")


class _Stack:
    def __init__(self, outdir: Path, stack: str, template: dict[str, Any]) -> None:
        self.outdir, self.stack = outdir, stack
        self.env, self.role = stack_role(stack)
        self.resources: dict[str, dict[str, Any]] = template.get("Resources", {})

    def of(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(n, r.get("Properties", {})) for n, r in sorted(self.resources.items()) if r.get("Type") == kind]

    def name(self, logical_id: str) -> str:
        return _short(resource_name(self.outdir, self.stack, logical_id), self.env, self.role) or logical_id

    def node_id(self, logical_id: str) -> str:
        return _id(self.role, logical_id)


def _key_and_topic(diagram: Diagram, s: _Stack, group: tuple[tuple[str, str], ...]) -> None:
    for name, props in s.of("AWS::KMS::Alias"):
        diagram.add(Node(s.node_id(name), f"KMS key {props.get('AliasName', '')}", group, "db"))
    for name, _ in s.of("AWS::SNS::Topic"):
        subscriptions = len(s.of("AWS::SNS::Subscription"))
        diagram.add(Node(s.node_id(name), f"alarm topic ({subscriptions} e-mail subscription(s))", group, "round"))


def _network(diagram: Diagram, s: _Stack) -> None:
    (_, vpc), *_ = s.of("AWS::EC2::VPC") or [("", {})]
    group = ((_id(s.role), f"network: VPC {vpc.get('CidrBlock', '')}"),)
    subnet_az: dict[str, str] = {}
    for name, props in s.of("AWS::EC2::Subnet"):
        zone = str(props.get("AvailabilityZone", "?"))
        subnet_az[name] = zone
        kind = (_tag(props, "aws-cdk:subnet-type") or "subnet").lower()
        diagram.add(Node(s.node_id(name), f"{kind} {props.get('CidrBlock', '')}", (*group, (_id(s.role, zone), zone))))
    for name, props in s.of("AWS::EC2::NatGateway"):
        zone = subnet_az.get(_ref(props.get("SubnetId")) or "", "?")
        diagram.add(Node(s.node_id(name), "NAT gateway", (*group, (_id(s.role, zone), zone)), "round"))
        diagram.link(s.node_id(name), INTERNET)
    interfaces = sorted(
        str(props.get("ServiceName", "")).split(".", 3)[-1]  # com.amazonaws.<region>.ecr.api -> ecr.api
        for _, props in s.of("AWS::EC2::VPCEndpoint")
        if props.get("VpcEndpointType") == "Interface"
    )
    gateways = [props for _, props in s.of("AWS::EC2::VPCEndpoint") if props.get("VpcEndpointType") != "Interface"]
    if interfaces:
        diagram.add(Node(_id(s.role, "endpoints"), f"{len(interfaces)} interface endpoints: {', '.join(interfaces)}", group, "round"))
    if gateways:
        diagram.add(Node(_id(s.role, "gateways"), f"{len(gateways)} gateway endpoint(s)", group, "round"))
    if s.of("AWS::EC2::InternetGateway"):
        diagram.add(Node(_id(s.role, "igw"), "internet gateway", group, "round"))
        diagram.link(INTERNET, _id(s.role, "igw"))
    _key_and_topic(diagram, s, group)


def _capacity_provider(diagram: Diagram, s: _Stack, provider: Any, group: tuple[tuple[str, str], ...]) -> str:
    name = _ref(provider)
    if name is None:
        label = {"FARGATE": "Fargate", "FARGATE_SPOT": "Fargate Spot"}.get(str(provider), str(provider))
        return diagram.add(Node(_id(s.role, str(provider)), label, group, "round"))
    asg = _ref(s.resources.get(name, {}).get("Properties", {}).get("AutoScalingGroupProvider", {}).get("AutoScalingGroupArn"))
    asg_props = s.resources.get(asg or "", {}).get("Properties", {})
    template = s.resources.get(_ref(asg_props.get("LaunchTemplate", {}).get("LaunchTemplateId")) or "", {}).get("Properties", {})
    instance = template.get("LaunchTemplateData", {}).get("InstanceType", "")
    size = f"{asg_props.get('MinSize', '?')}-{asg_props.get('MaxSize', '?')} x {instance}".strip()
    return diagram.add(Node(s.node_id(name), f"EC2 container instances {size}", group, "round"))


def _ecs(diagram: Diagram, s: _Stack) -> None:
    group = ((_id(s.role), "ECS cluster"),)
    listeners = {
        _ref(action.get("TargetGroupArn")): _ref(props.get("LoadBalancerArn"))
        for _, props in s.of("AWS::ElasticLoadBalancingV2::Listener")
        for action in props.get("DefaultActions", [])
    }
    for name, props in s.of("AWS::ElasticLoadBalancingV2::LoadBalancer"):
        public = props.get("Scheme", "internet-facing") == "internet-facing"
        diagram.add(Node(s.node_id(name), f"{'internet-facing' if public else 'internal'} ALB {s.name(name)}", group))
        if public:
            diagram.link(INTERNET, s.node_id(name), "HTTP(S)")
    for name, props in s.of("AWS::ECS::Service"):
        count = props.get("DesiredCount", "?")
        service = diagram.add(Node(s.node_id(name), f"{s.name(name)}: {count} task(s)", group))
        for target in props.get("LoadBalancers", []):
            balancer = listeners.get(_ref(target.get("TargetGroupArn")))
            if balancer:
                diagram.link(s.node_id(balancer), service, str(target.get("ContainerPort", "")))
        for item in props.get("CapacityProviderStrategy", []):
            provider = _capacity_provider(diagram, s, item.get("CapacityProvider"), group)
            diagram.link(service, provider, f"weight {item.get('Weight', 0)}, base {item.get('Base', 0)}")
    for name, props in s.of("AWS::Events::Rule"):
        for target in props.get("Targets", []):
            if "EcsParameters" not in target:
                continue
            schedule = diagram.add(Node(s.node_id(name), f"{s.name(name)}: {props.get('ScheduleExpression', '')}", group, "round"))
            for item in target["EcsParameters"].get("CapacityProviderStrategy", []):
                diagram.link(schedule, _capacity_provider(diagram, s, item.get("CapacityProvider"), group))
    _key_and_topic(diagram, s, group)


def _eks(diagram: Diagram, s: _Stack) -> None:
    for name, props in s.of("AWS::EKS::Cluster"):
        vpc_config = props.get("ResourcesVpcConfig", {})
        public = vpc_config.get("EndpointPublicAccess", True)
        title = f"EKS cluster {props.get('Name', '')} {props.get('Version', '')}".strip()
        group = ((_id(s.role), title),)
        endpoint = "public and private" if public and vpc_config.get("EndpointPrivateAccess") else "public" if public else "private"
        cluster = diagram.add(Node(s.node_id(name), f"control plane, {endpoint} endpoint", group))
        if public:
            cidrs = ", ".join(vpc_config.get("PublicAccessCidrs", ["0.0.0.0/0"]))
            diagram.link(INTERNET, cluster, f"API from {cidrs}")
        if props.get("ComputeConfig", {}).get("Enabled"):
            pools = ", ".join(props["ComputeConfig"].get("NodePools", []))
            diagram.link(cluster, diagram.add(Node(_id(s.role, "automode"), f"Auto Mode nodes ({pools})", group, "round")))
        for node_name, node in s.of("AWS::EKS::Nodegroup"):
            scaling = node.get("ScalingConfig", {})
            literal = node.get("NodegroupName")
            group_name = literal if isinstance(literal, str) else s.name(node_name).rpartition("nodegroup ")[2]
            label = (
                f"node group {group_name}: {scaling.get('MinSize', '?')}-{scaling.get('MaxSize', '?')} x "
                f"{', '.join(node.get('InstanceTypes', []))} {node.get('CapacityType', 'ON_DEMAND')} ({node.get('AmiType', '')})"
            )
            diagram.link(cluster, diagram.add(Node(s.node_id(node_name), label, group, "round")))
        for profile_name, profile in s.of("AWS::EKS::FargateProfile"):
            namespaces = ", ".join(sel.get("Namespace", "") for sel in profile.get("Selectors", []))
            diagram.link(cluster, diagram.add(Node(s.node_id(profile_name), f"Fargate profile: {namespaces}", group, "round")))
        for assoc_name, assoc in s.of("AWS::EKS::PodIdentityAssociation"):
            label = f"pod identity {assoc.get('Namespace', '')}/{assoc.get('ServiceAccount', '')}"
            diagram.link(cluster, diagram.add(Node(s.node_id(assoc_name), label, group)))
        _key_and_topic(diagram, s, group)


_DRAW = {"network": _network, "ecs": _ecs, "eks": _eks}


def diagram_of(outdir: Path) -> Diagram:
    """The picture of one environment's assembly."""
    diagram = Diagram()
    diagram.add(Node(INTERNET, "internet", (), "circle"))
    for stack, artifact in stack_artifacts(outdir).items():
        template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text(encoding="utf-8"))
        s = _Stack(outdir, stack, template)
        if s.role in _DRAW:
            _DRAW[s.role](diagram, s)
    diagram.edges = {e for e in diagram.edges if e[0] in diagram.nodes and e[1] in diagram.nodes}
    return diagram


def _label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


_SHAPES = {"box": ("[", "]"), "round": ("(", ")"), "db": ("[(", ")]"), "circle": ("((", "))")}


def mermaid(diagram: Diagram, *, added: set[str] = frozenset(), removed: dict[str, Node] | None = None) -> str:  # type: ignore[assignment]
    """The flowchart; `added` node ids and `removed` nodes (drawn dashed) are marked."""
    nodes = {**diagram.nodes, **(removed or {})}
    lines = ["flowchart LR"]
    if added or removed:
        lines += ["  classDef added stroke:#1a7f37,stroke-width:3px", "  classDef removed stroke:#cf222e,stroke-dasharray:5 5"]
    open_groups: list[tuple[str, str]] = []
    for node in sorted(nodes.values(), key=lambda n: (n.group, n.id)):
        common = 0
        while common < min(len(open_groups), len(node.group)) and open_groups[common] == node.group[common]:
            common += 1
        for _ in open_groups[common:]:
            lines.append("  " * len(open_groups) + "end")
            open_groups.pop()
        for group in node.group[common:]:
            lines.append("  " * (len(open_groups) + 1) + f"subgraph {group[0]}[{_label(group[1])}]")
            open_groups.append(group)
        start, end = _SHAPES[node.shape]
        mark = ":::added" if node.id in added else ":::removed" if removed and node.id in removed else ""
        lines.append("  " * (len(open_groups) + 1) + f"{node.id}{start}{_label(node.label)}{end}{mark}")
    while open_groups:
        lines.append("  " * len(open_groups) + "end")
        open_groups.pop()
    for source, target, label in sorted(diagram.edges):
        lines.append(f"  {source} -->|{_label(label)}| {target}" if label else f"  {source} --> {target}")
    return "\n".join(lines) + "\n"


def topology(diagram: Diagram) -> set[str]:
    """What a change to the picture compares: node labels and edges, by node id."""
    return {f"{n.id}={n.label}" for n in diagram.nodes.values()} | {"->".join(e) for e in diagram.edges}


def changes(base: Diagram, head: Diagram) -> str | None:
    """The head picture with added and removed parts marked, or None when the topology is the same."""
    if topology(base) == topology(head):
        return None
    added = {i for i, n in head.nodes.items() if i not in base.nodes or base.nodes[i].label != n.label}
    removed = {i: n for i, n in base.nodes.items() if i not in head.nodes}
    return mermaid(head, added=added, removed=removed)


def render(outdirs: dict[str, Path]) -> str:
    """docs/architecture.md: one picture per environment."""
    lines = [
        "# Architecture, per environment",
        "",
        "Generated by `make regenerate` from each environment's synthesized assembly; do not edit by hand.",
        "Boxes are what the templates create, named as the config names them; a test fails while this",
        "page differs from the code. `make review` shows the picture again when a change alters it.",
        "",
    ]
    for env, outdir in sorted(outdirs.items()):
        lines += [f"## {env}", "", "```mermaid", mermaid(diagram_of(outdir)).rstrip(), "```", ""]
    return "\n".join(lines)
