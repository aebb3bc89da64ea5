"""`make upgrade-plan`: the plan for dev and prod to the next version, offline and with the
account's answers (botocore's Stubber: moto implements neither ListInsights nor
DescribeAddonVersions), and the data it reads kept true to the shipped configs."""

from __future__ import annotations

import datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from config import load_config
from config.limits import NODEGROUP_AMI_ARCHITECTURE
from config.loader import available_environments
from tests.factories import environment
from tools.upgrade_plan import BLOCKER, CHECK, MOVE, NOTE, OK, Plan, load_data, plan, read_live, release_parameter

DATA = load_data()
TODAY = datetime.date(2026, 11, 30)


def _statuses(result: Plan) -> dict[str, str]:
    return {f.subject: f.status for f in result.findings}


def _edits(result: Plan) -> list[list[tuple[str, str | None, str]]]:
    return [[(e.path, e.old, e.new) for e in step.edits] for step in result.steps]


def _apply(base: str, result: Plan, steps: int, releases: dict[str, str]) -> Any:
    """The config after the first `steps` steps; a release the plan says where to read is
    taken from `releases` (by node group path)."""
    changes: dict[str, str] = {}
    for step in result.steps[:steps]:
        for edit in step.edits:
            changes[edit.path] = edit.new if edit.known else releases[edit.path]
    return environment(base, changes)


def test_prod_to_the_next_version_offline() -> None:
    result = plan(load_config("prod"), "1.35", DATA, today=TODAY)
    assert not result.blocked
    statuses = _statuses(result)
    assert statuses["add-on kube-proxy v1.34.1-eksbuild.2"] == MOVE
    assert statuses["add-on coredns v1.12.4-eksbuild.1"] == MOVE  # documented for 1.33-1.34 only
    # No version table for these in the data: the plan says so rather than guess.
    for addon in ("vpc-cni v1.20.4-eksbuild.2", "eks-pod-identity-agent v1.3.9-eksbuild.3", "aws-ebs-csi-driver v1.51.1-eksbuild.1"):
        assert statuses[f"add-on {addon}"] == CHECK
    assert statuses["support of 1.34 (current)"] == NOTE  # standard support ends 2026-12-02, two days on
    assert all(statuses[f"node group {g}"] == OK for g in ("system", "general-spot", "gpu", "inference"))
    changes = [f.detail for f in result.findings if f.subject == "1.35 changes"]
    assert any("cgroup v1" in c for c in changes)
    assert any("containerd 1.x" in c for c in changes)
    # Control plane (with kube-proxy, which follows it), then the add-ons, then the nodes.
    steps = _edits(result)
    assert [s.title for s in result.steps] == ["The control plane and kube-proxy", "The other add-ons", "The nodes"]
    assert steps[0] == [("eks.version", "1.34", "1.35"), ("eks.addons.kube-proxy", "v1.34.1-eksbuild.2", "v1.35.3-eksbuild.2")]
    assert steps[1] == [("eks.addons.coredns", "v1.12.4-eksbuild.1", "v1.14.2-eksbuild.4")]
    versions = [e for e in steps[2] if e[0].endswith(".version")]
    assert versions == [(f"eks.node_groups[{g}].version", None, "1.35") for g in ("system", "general-spot", "gpu", "inference")]
    offline = [e for e in result.steps[2].edits if e.path.endswith(".release_version")]
    assert all(not e.known and "/aws/service/" in e.new for e in offline)
    assert "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/nvidia/recommended/release_version" in result.render()


def test_each_step_of_prods_plan_is_a_config_berth_accepts() -> None:
    """Deployed in order, every intermediate config validates: the nodes wait one step behind
    the control plane (within the skew), and move with their release."""
    result = plan(load_config("prod"), "1.35", DATA, today=TODAY)
    releases = {
        "eks.node_groups[system].release_version": "1.53.0-4d0b0a9e",
        **{f"eks.node_groups[{g}].release_version": "1.35.3-20260401" for g in ("general-spot", "gpu", "inference")},
    }
    after_control_plane = _apply("prod", result, 1, releases)
    assert after_control_plane.eks is not None
    assert after_control_plane.eks.version == "1.35"
    assert {g.release_minor for g in after_control_plane.eks.node_groups} == {None, "1.34"}
    final = _apply("prod", result, len(result.steps), releases)
    assert final.eks is not None
    assert {g.version for g in final.eks.node_groups} == {"1.35"}
    assert plan(final, "1.36", DATA, today=TODAY).steps, "and the next upgrade plans from there"


def test_dev_on_auto_mode_moves_the_control_plane_only() -> None:
    result = plan(load_config("dev"), "1.35", DATA, today=TODAY)
    assert not result.blocked
    assert _edits(result) == [[("eks.version", "1.34", "1.35")]]
    statuses = _statuses(result)
    assert statuses["add-ons"] == OK
    assert statuses["automatic upgrade"] == NOTE  # support: STANDARD, and standard support ends on 2026-12-02
    assert "Auto Mode then moves its own nodes" in result.render()


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("1.36", "one minor version per upgrade: plan 1.34 -> 1.35 first"),
        ("1.33", "EKS upgrades only forward"),
        ("1.40", "not a Kubernetes version the pinned aws-cdk-lib knows"),
    ],
)
def test_a_target_eks_cannot_reach_in_one_upgrade_is_a_blocker(target: str, says: str) -> None:
    result = plan(load_config("prod"), target, DATA, today=TODAY)
    assert result.blocked
    assert not result.steps
    assert says in result.render()
    assert "None until every blocker above is resolved." in result.render()


def test_nodes_too_far_behind_block_the_upgrade() -> None:
    """Nodes three minors behind are allowed at 1.34; one more control-plane step would make four."""
    config = environment("prod", {"eks.node_groups[general-spot].release_version": "1.31.14-20251120"})
    result = plan(config, "1.35", DATA, today=TODAY)
    assert _statuses(result)["node group general-spot"] == BLOCKER
    assert "4 minor versions behind 1.35" in result.render()


def test_the_pinned_addons_are_compatible_with_each_environments_version() -> None:
    """The same data the plan reads: a pin it does not know for its environment's version fails
    here, so that the data (or the pin) is brought up to date with the change."""
    for env in available_environments():
        eks = load_config(env).eks
        if eks is None:
            continue
        for name, pinned in eks.addons.items():
            assert eks.version in DATA["addons"][name]["compatible"].get(pinned, []), f"{env}: {name} {pinned} not known for {eks.version}"


def test_the_data_names_its_sources_and_a_release_parameter_for_every_ami_type() -> None:
    assert DATA["retrieved"]
    assert set(DATA["sources"]) == {"support", "changes", "addons", "nodes"}
    for ami_type in NODEGROUP_AMI_ARCHITECTURE:
        assert release_parameter(ami_type, "1.35", DATA) is not None, ami_type
    for name, addon in DATA["addons"].items():
        assert addon["source"], name
        for version in addon["recommended"].values():
            assert version in addon["compatible"], f"{name}: recommended {version} missing from compatible"


def _stubbed() -> tuple[Any, Stubber, Stubber]:
    session = boto3.Session(region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    clients = {"eks": session.client("eks"), "ssm": session.client("ssm")}
    return (lambda service: clients[service]), Stubber(clients["eks"]), Stubber(clients["ssm"])


def test_online_the_accounts_answers_replace_the_data() -> None:
    config = load_config("prod")
    assert config.eks is not None
    aws, eks, ssm = _stubbed()
    cluster = config.eks.cluster_name
    filters = {"categories": ["UPGRADE_READINESS"], "kubernetesVersions": ["1.35"]}
    eks.add_response(
        "list_insights",
        {
            "insights": [
                {"id": "a", "name": "Kubelet version skew", "insightStatus": {"status": "PASSING", "reason": "ok"}},
                {
                    "id": "b",
                    "name": "Deprecated APIs removed in Kubernetes v1.35",
                    "insightStatus": {"status": "ERROR", "reason": "in use"},
                },
            ],
            "nextToken": "more",
        },
        {"clusterName": cluster, "filter": filters},
    )
    eks.add_response(
        "list_insights",
        {"insights": [{"id": "c", "name": "Cluster health", "insightStatus": {"status": "WARNING", "reason": "check"}}]},
        {"clusterName": cluster, "filter": filters, "nextToken": "more"},
    )
    eks.add_response(
        "describe_insight",
        {"insight": {"id": "b", "recommendation": "Move the clients off flowcontrol v1beta3."}},
        {"clusterName": cluster, "id": "b"},
    )
    eks.add_response(
        "describe_insight", {"insight": {"id": "c", "description": "One node is not ready."}}, {"clusterName": cluster, "id": "c"}
    )
    offered = {
        "aws-ebs-csi-driver": ["v1.51.1-eksbuild.1", "v1.53.0-eksbuild.1"],
        "coredns": ["v1.13.2-eksbuild.4", "v1.14.2-eksbuild.4"],
        "eks-pod-identity-agent": ["v1.3.10-eksbuild.1"],
        "kube-proxy": ["v1.35.3-eksbuild.2"],
        "vpc-cni": ["v1.20.4-eksbuild.2", "v1.21.1-eksbuild.1"],
    }
    for name in sorted(config.eks.addons):
        versions = [
            {"addonVersion": v, "compatibilities": [{"clusterVersion": "1.35", "defaultVersion": v == offered[name][-1]}]}
            for v in offered[name]
        ]
        eks.add_response(
            "describe_addon_versions",
            {"addons": [{"addonName": name, "addonVersions": versions}]},
            {"addonName": name, "kubernetesVersion": "1.35"},
        )
    releases = {"system": "1.53.0-4d0b0a9e", "general-spot": "1.35.3-20260401", "gpu": "1.35.3-20260401", "inference": "1.35.3-20260401"}
    for group in config.eks.node_groups:
        name = release_parameter(group.ami_type, "1.35", DATA)
        ssm.add_response("get_parameter", {"Parameter": {"Name": name, "Value": releases[group.name]}}, {"Name": name})
    with eks, ssm:
        live = read_live(config, "1.35", DATA, aws)
        eks.assert_no_pending_responses()
        ssm.assert_no_pending_responses()
    result = plan(config, "1.35", DATA, today=TODAY, live=live)
    statuses = _statuses(result)
    assert statuses["EKS insight: Deprecated APIs removed in Kubernetes v1.35 (ERROR)"] == BLOCKER
    assert statuses["EKS insight: Cluster health (WARNING)"] == NOTE
    assert not any("Kubelet version skew" in s for s in statuses)  # passing insights are not listed
    assert statuses["add-on vpc-cni v1.20.4-eksbuild.2"] == OK  # offered for 1.35: no move, though not the default
    assert statuses["add-on eks-pod-identity-agent v1.3.9-eksbuild.3"] == MOVE
    assert statuses["add-on coredns v1.12.4-eksbuild.1"] == MOVE
    assert result.blocked  # the ERROR insight: no steps until it is resolved
    assert "Move the clients off flowcontrol v1beta3." in result.render()
    unblocked = plan(config, "1.35", DATA, today=TODAY, live=type(live)((), live.addon_versions, live.releases))
    edits = {e.path: e.new for step in unblocked.steps for e in step.edits}
    assert edits["eks.addons.eks-pod-identity-agent"] == "v1.3.10-eksbuild.1"
    assert edits["eks.node_groups[gpu].release_version"] == "1.35.3-20260401"
    assert all(e.known for step in unblocked.steps for e in step.edits)
