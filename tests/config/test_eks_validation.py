"""Bad EKS configuration is refused with the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import load_config
from config.loader import config_warnings
from tests.config.test_validation import assert_app_refuses, lines, refuse, write_bad

NG = "eks__node_groups__0"

CASES = [
    pytest.param(
        {f"{NG}__instance_types": ["m7i.large"]},
        "eks.node_groups[system].instance_types[0]",
        "m7i.large is x86_64; ami_type BOTTLEROCKET_ARM_64 runs arm64",
        id="x86-instance-arm-ami",
    ),
    pytest.param(
        {"eks__node_groups__1__instance_types": ["m7g.xlarge", "m6g.xlarge"]},
        "eks.node_groups[general-spot].instance_types[0]",
        "m7g.xlarge is arm64; ami_type AL2023_X86_64_STANDARD runs x86_64",
        id="arm-instance-x86-ami",
    ),
    pytest.param(
        {f"{NG}__min_size": 9}, "eks.node_groups[system].min_size", "min_size (9) is greater than max_size (6)", id="node-min-gt-max"
    ),
    pytest.param(
        {f"{NG}__desired_size": 7},
        "eks.node_groups[system].desired_size",
        "within [min_size, max_size] = [3, 6]",
        id="node-desired-out-of-range",
    ),
    pytest.param({f"{NG}__instance_types": []}, "eks.node_groups[system].instance_types", "at least 1 item", id="no-instance-types"),
    pytest.param(
        {"eks__addons__coredns": "1.12.4"},
        "eks.addons.coredns",
        "expected an EKS add-on version such as v1.20.4-eksbuild.2",
        id="addon-version-format",
    ),
    pytest.param(
        {"eks__addons__kube-proxy": "v1.33.5-eksbuild.1"},
        "eks.addons",
        "does not match the cluster's minor version 1.34",
        id="kube-proxy-minor",
    ),
    pytest.param({"eks__addons__istio": "v1.0.0-eksbuild.1"}, "eks.addons", "unknown add-on(s) ['istio']", id="unknown-addon"),
    pytest.param({"eks__support": "LTS"}, "eks.support", "'STANDARD' or 'EXTENDED'", id="unknown-support-policy"),
    pytest.param(
        {"eks__endpoint": {"public_access": True}},
        "eks.endpoint.public_access_cidrs",
        "needs an allow list of CIDRs",
        id="public-without-cidrs",
    ),
    pytest.param(
        {"eks__endpoint": {"public_access": True, "public_access_cidrs": ["0.0.0.0/0"]}},
        "eks.endpoint.public_access_cidrs",
        "also set allow_public_internet: true",
        id="public-internet-without-second-flag",
    ),
    pytest.param(
        {"eks__fargate_profiles__0__selectors": []},
        "eks.fargate_profiles[batch].selectors",
        "needs at least one selector",
        id="fargate-no-selectors",
    ),
    pytest.param({"eks__version": "1.19"}, "eks.version", "not known to the pinned aws-cdk-lib; allowed: 1.25", id="unknown-k8s-version"),
    pytest.param(
        {"eks__auto_mode": {"enabled": True, "node_pools": ["gpu"]}},
        "eks.auto_mode.node_pools",
        "allowed: general-purpose, system",
        id="unknown-node-pool",
    ),
    pytest.param(
        {"eks__auto_mode": {"enabled": True}},
        "eks.fargate_profiles",
        "Fargate pods on an Auto Mode cluster have no DNS",
        id="auto-mode-with-fargate-profiles",
    ),
    pytest.param(
        {"eks__version": "1.28", "eks__auto_mode": {"enabled": True}, "eks__fargate_profiles": [], "eks__addons": {}},
        "eks.auto_mode.enabled",
        "EKS Auto Mode needs Kubernetes 1.29 or later; version is 1.28",
        id="auto-mode-below-its-minimum-version",
    ),
    pytest.param(
        {"eks__node_groups__1__instance_types": ["g5.xlarge"]},
        "eks.node_groups[general-spot].instance_types[0]",
        "g5.xlarge (4 vCPUs, 16 GiB, x86_64, 1 nvidia accelerator) needs an accelerated AMI type; AL2023_X86_64_STANDARD is a "
        "standard AMI without the drivers: choose ami_type AL2023_X86_64_NVIDIA or BOTTLEROCKET_X86_64_NVIDIA",
        id="gpu-instance-with-standard-ami",
    ),
    pytest.param(
        {"eks__node_groups__2__instance_types": ["inf2.xlarge"]},
        "eks.node_groups[gpu].instance_types[0]",
        "inf2.xlarge (4 vCPUs, 16 GiB, x86_64, 1 neuron accelerator) does not carry nvidia accelerators, which "
        "AL2023_X86_64_NVIDIA drives: choose ami_type AL2023_X86_64_NEURON",
        id="neuron-instance-with-nvidia-ami",
    ),
    pytest.param(
        {"eks__node_groups__3__instance_types": ["m7i.large"]},
        "eks.node_groups[inference].instance_types[0]",
        "m7i.large (2 vCPUs, 8 GiB, x86_64) has no neuron accelerators for AL2023_X86_64_NEURON: choose ami_type "
        "AL2023_X86_64_STANDARD or BOTTLEROCKET_X86_64, or an accelerated type",
        id="standard-instance-with-neuron-ami",
    ),
    pytest.param(
        {"eks__node_groups__2__instance_types": ["g5g.xlarge"]},
        "eks.node_groups[gpu].instance_types[0]",
        "g5g.xlarge is arm64; ami_type AL2023_X86_64_NVIDIA runs x86_64 instances",
        id="arm64-gpu-with-x86-nvidia-ami",
    ),
    pytest.param(
        {f"{NG}__ami_type": "AL2_X86_64"}, "eks.node_groups[system].ami_type", "AL2023_X86_64_STANDARD", id="unsupported-ami-type"
    ),
    pytest.param(
        {"eks__node_groups__1__release_version": "1.35.3-20260401"},
        "eks.node_groups[general-spot].release_version",
        "nodes at Kubernetes 1.35 on a 1.34 control plane: newer than the control plane (allowed: 1.31 to 1.34)",
        id="al2023-release-newer-than-the-cluster",
    ),
    pytest.param(
        {"eks__node_groups__1__release_version": "1.30.14-20251120"},
        "eks.node_groups[general-spot].release_version",
        "more than 3 minor versions behind it",
        id="al2023-release-too-far-behind",
    ),
    pytest.param(
        {f"{NG}__version": "1.35"}, "eks.node_groups[system].version", "newer than the control plane", id="node-version-newer-than-cluster"
    ),
    pytest.param(
        {"eks__node_groups__1__version": "1.33"},
        "eks.node_groups[general-spot].release_version",
        "an AL2023 release for Kubernetes 1.34; the group's version is 1.33",
        id="al2023-release-for-another-minor",
    ),
    pytest.param({f"{NG}__version": 1.34}, "eks.node_groups[system].version", 'quote it ("1.34")', id="node-version-unquoted"),
    pytest.param(
        {"eks__capabilities__argo_cd__rbac": [{"role": "VIEWER", "groups": ["a1b2c3d4-0000-4000-8000-000000000002"]}]},
        "eks.capabilities.argo_cd.rbac",
        "no ADMIN: nobody could manage Argo CD",
        id="argo-cd-without-admin",
    ),
    pytest.param(
        {"eks__capabilities__argo_cd__public_endpoint": True},
        "eks.capabilities.argo_cd.client_cidrs",
        "applies to the private endpoint",
        id="argo-cd-public-with-client-cidrs",
    ),
    pytest.param(
        {"eks__capabilities__argo_cd__rbac__1": {"role": "VIEWER"}},
        "eks.capabilities.argo_cd.rbac[1].groups",
        "name at least one Identity Center group or user for VIEWER",
        id="argo-cd-role-for-nobody",
    ),
    pytest.param(
        {"eks__capabilities__argo_cd__identity_center_instance_arn": "ssoins-7223b6e5d1f0a1b2"},
        "eks.capabilities.argo_cd.identity_center_instance_arn",
        "an IAM Identity Center instance ARN",
        id="argo-cd-instance-not-an-arn",
    ),
    pytest.param({"eks__addons": {}}, "eks.addons", "pin a version for every core add-on; missing: vpc-cni", id="missing-addons"),
    pytest.param(
        {"eks__pod_identities__0__permissions__0__actions": ["sqs:*"]},
        "eks.pod_identities[orders-api].permissions[0].actions",
        "whole-service",
        id="pod-identity-wildcard",
    ),
]


@pytest.mark.parametrize(("edits", "field", "message"), CASES)
def test_bad_eks_config_is_refused(tmp_path: Path, edits: dict[str, Any], field: str, message: str) -> None:
    error = refuse(tmp_path, base="prod", **edits)
    matching = [line for line in lines(error) if line.startswith(f"{field}:")]
    assert matching, f"no problem reported for {field}: {lines(error)}"
    assert any(message in line for line in matching), matching


def test_spot_with_one_instance_type_is_a_warning_not_an_error(tmp_path: Path) -> None:
    path = write_bad(tmp_path, {"eks__node_groups__1__instance_types": ["m7i.xlarge"]}, base="prod")
    config = load_config(config_path=str(path))
    (warning,) = config_warnings(config)
    assert warning.startswith("eks.node_groups[general-spot]: Spot with a single instance type")


def test_shipped_configs_have_no_warnings() -> None:
    for env in ("dev", "prod"):
        assert config_warnings(load_config(env)) == []


@pytest.mark.parametrize(("edits", "field", "message"), CASES)
def test_app_exits_2_with_the_report_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], edits: dict[str, Any], field: str, message: str
) -> None:
    assert_app_refuses(write_bad(tmp_path, edits, base="prod"), field, message, monkeypatch, capsys)
