"""docs/architecture.md's pictures: drawn from the assemblies, valid Mermaid, changes marked."""

from __future__ import annotations

import re

from tests.assembly import Assembly
from tools.diagram import Diagram, Node, changes, diagram_of, mermaid

_NODE = re.compile(r'^\s*([A-Za-z0-9_]+)(\(\(|\[\(|\[|\()"([^"]*)"(\)\)|\)\]|\]|\))(:::(added|removed))?$')
_EDGE = re.compile(r'^\s*([A-Za-z0-9_]+) -->(\|"[^"]*"\| )?\s*([A-Za-z0-9_]+)$')
_SUBGRAPH = re.compile(r'^\s*subgraph ([A-Za-z0-9_]+)\["[^"]*"\]$')


def check_mermaid(text: str) -> list[str]:
    """The flowchart subset berth writes, checked line by line: every node and subgraph
    declared once with a quoted label, subgraphs closed, edges between declared nodes."""
    lines = text.strip().splitlines()
    problems = [] if lines[0] == "flowchart LR" else [f"first line {lines[0]!r}"]
    nodes: set[str] = set()
    groups: set[str] = set()
    depth = 0
    for line in lines[1:]:
        if line.strip().startswith("classDef "):
            continue
        if m := _SUBGRAPH.match(line):
            problems += [f"subgraph {m.group(1)} twice"] if m.group(1) in groups | nodes else []
            groups.add(m.group(1))
            depth += 1
        elif line.strip() == "end":
            depth -= 1
            problems += ["`end` without a subgraph"] if depth < 0 else []
        elif m := _NODE.match(line):
            problems += [f"node {m.group(1)} twice"] if m.group(1) in nodes | groups else []
            nodes.add(m.group(1))
        elif m := _EDGE.match(line):
            problems += [f"edge to an undeclared node: {line.strip()}" for n in (m.group(1), m.group(3)) if n not in nodes]
        else:
            problems.append(f"not valid: {line!r}")
    return problems + (["a subgraph is not closed"] if depth else [])


def test_every_environment_is_valid_mermaid(assemblies: dict[str, Assembly]) -> None:
    for env, assembly in assemblies.items():
        assert check_mermaid(mermaid(diagram_of(assembly.outdir))) == [], env


def test_prod_shows_the_paths_from_the_internet_to_capacity(prod: Assembly) -> None:
    text = mermaid(diagram_of(prod.outdir))
    assert re.search(r'internet -->\|"HTTP\(S\)"\| ecs_WebServiceIngressLoadBalancer\w+', text)
    assert re.search(r'ecs_WebServiceIngressLoadBalancer\w+ -->\|"8080"\| ecs_WebService\w+', text)
    assert re.search(r'ecs_WorkerService\w+ -->\|"weight 1, base 0"\| ecs_Ec2CapacityCapacityProvider\w+', text)
    assert "EC2 container instances 3-12 x m7g.xlarge" in text
    assert 'subgraph network_euwest1c["eu-west-1c"]' in text
    assert text.count('("NAT gateway")') == 3
    assert "node group system: 3-6 x m7g.large ON_DEMAND (BOTTLEROCKET_ARM_64)" in text
    assert "Fargate profile: batch" in text
    assert "pod identity orders/orders-api" in text
    assert "control plane, private endpoint" in text
    assert '"API from' not in text, "prod's API endpoint is private"
    assert "KMS key alias/berth/prod/eks" in text
    assert "alarm topic (1 e-mail subscription(s))" in text


def test_a_change_marks_what_was_added_and_removed() -> None:
    base, head = Diagram(), Diagram()
    for d in (base, head):
        d.add(Node("internet", "internet", (), "circle"))
    base.add(Node("old", "NAT gateway", (("net", "network"),)))
    head.add(Node("new", "NAT gateway", (("net", "network"),)))
    head.link("new", "internet")
    text = changes(base, head)
    assert text is not None
    assert check_mermaid(text) == []
    assert 'new["NAT gateway"]:::added' in text
    assert ":::removed" in text
    assert changes(head, head) is None
