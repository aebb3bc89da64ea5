"""Security-group and IAM invariants over every synthesized template of every environment."""

from __future__ import annotations

from typing import Any

from tests.assembly import Assembly

WORLD = {"0.0.0.0/0", "::/0"}
ALB_LISTENER_PORTS = {80, 443}

# Service principals whose trust policies must carry aws:SourceAccount / aws:SourceArn
# (each supports the condition keys on its AssumeRole calls).
CONFUSED_DEPUTY_PRINCIPALS = {
    "ecs-tasks.amazonaws.com",
    "pods.eks.amazonaws.com",
    "eks-fargate-pods.amazonaws.com",
    "events.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
}


def _resources(assembly: Assembly) -> list[tuple[str, str, dict[str, Any]]]:
    return [(stack, name, r) for stack in assembly.stack_names for name, r in assembly.template_json(stack)["Resources"].items()]


def _ingress_rules(assembly: Assembly) -> list[tuple[str, dict[str, Any], str]]:
    """(rule owner, rule, the group's description) for inline and standalone ingress rules."""
    groups = {name: r for _, name, r in _resources(assembly) if r["Type"] == "AWS::EC2::SecurityGroup"}
    rules = []
    for name, group in groups.items():
        rules += [(name, rule, group["Properties"]["GroupDescription"]) for rule in group["Properties"].get("SecurityGroupIngress", [])]
    for _, name, resource in _resources(assembly):
        if resource["Type"] == "AWS::EC2::SecurityGroupIngress":
            target = resource["Properties"]["GroupId"]
            owner = target["Fn::GetAtt"][0] if isinstance(target, dict) and "Fn::GetAtt" in target else None
            description = groups[owner]["Properties"]["GroupDescription"] if owner in groups else ""
            rules.append((name, resource["Properties"], description))
    return rules


def test_world_ingress_only_on_the_public_alb_listener_ports(assembly: Assembly) -> None:
    for owner, rule, description in _ingress_rules(assembly):
        cidr = rule.get("CidrIp") or rule.get("CidrIpv6")
        if cidr in WORLD:
            assert description.startswith("Public ALB"), f"{owner}: {cidr} on a non-ALB group"
            assert rule["FromPort"] == rule["ToPort"], owner
            assert rule["FromPort"] in ALB_LISTENER_PORTS, f"{owner}: port {rule['FromPort']}"


def test_the_invariant_sees_world_ingress(assembly: Assembly) -> None:
    """Guard: the shipped environments do open the ALB to the world, so the test above checks something."""
    assert any((rule.get("CidrIp") or rule.get("CidrIpv6")) in WORLD for _, rule, _ in _ingress_rules(assembly))


def _trust_statements(assembly: Assembly) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, statement)
        for _, name, r in _resources(assembly)
        if r["Type"] == "AWS::IAM::Role"
        for statement in r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    ]


def test_service_principal_trust_carries_source_conditions(assembly: Assembly) -> None:
    checked = 0
    for name, statement in _trust_statements(assembly):
        services = statement["Principal"].get("Service", [])
        services = [services] if isinstance(services, str) else services
        if set(services) & CONFUSED_DEPUTY_PRINCIPALS:
            keys = {key for operator in statement.get("Condition", {}).values() for key in operator}
            assert keys & {"aws:SourceAccount", "aws:SourceArn"}, f"{name} trusts {services} without a source condition"
            checked += 1
    assert checked >= 5


def test_no_role_trusts_a_whole_account_or_anyone(assembly: Assembly) -> None:
    for name, statement in _trust_statements(assembly):
        principal = statement["Principal"]
        assert principal != "*", name
        assert "AWS" not in principal, f"{name} trusts an account or role directly: {principal}"


def test_permissions_boundary_on_every_role_when_configured(karpenter: Assembly, prod: Assembly) -> None:
    roles = [r for _, _, r in _resources(karpenter) if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) > 15
    for role in roles:
        assert role["Properties"]["PermissionsBoundary"] == "arn:aws:iam::222222222222:policy/berth-boundary"
    assert all("PermissionsBoundary" not in r["Properties"] for _, _, r in _resources(prod) if r["Type"] == "AWS::IAM::Role")


def test_no_security_group_allows_all_egress(assembly: Assembly) -> None:
    """Deny by default (NIST SC-7(5)): every group berth creates allows out HTTPS to AWS and
    what its workload declares; none in the shipped environments opts in to open egress."""
    for stack in assembly.stack_names:
        for name, group in assembly.template_json(stack)["Resources"].items():
            if group["Type"] != "AWS::EC2::SecurityGroup":
                continue
            for rule in group["Properties"].get("SecurityGroupEgress", []):
                assert str(rule.get("IpProtocol")) != "-1", f"{stack}/{name} allows all egress"
