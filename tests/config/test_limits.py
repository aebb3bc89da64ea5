"""The tables of what AWS offers, checked against the pinned aws-cdk-lib where it knows."""

from __future__ import annotations

import re

import pytest
from aws_cdk import aws_eks_v2 as eks

from config.limits import FARGATE_MEMORY_BY_CPU, KUBERNETES_VERSIONS, NODEGROUP_AMI_ARCHITECTURE, instance_architecture


def test_kubernetes_versions_are_those_the_pinned_library_knows() -> None:
    known = sorted(
        (m.group(1) + "." + m.group(2) for n in dir(eks.KubernetesVersion) if (m := re.fullmatch(r"V(\d+)_(\d+)", n))),
        key=lambda v: int(v.split(".")[1]),
    )
    assert list(KUBERNETES_VERSIONS) == known


def test_ami_types_exist_in_the_library() -> None:
    for name in NODEGROUP_AMI_ARCHITECTURE:
        assert eks.NodegroupAmiType(name).value == name


@pytest.mark.parametrize(
    ("instance_type", "architecture"),
    [
        ("m7g.large", "arm64"),
        ("c6gn.xlarge", "arm64"),
        ("t4g.micro", "arm64"),
        ("a1.large", "arm64"),
        ("r8gd.2xlarge", "arm64"),
        ("m7i.large", "x86_64"),
        ("m7i-flex.large", "x86_64"),
        ("g5.xlarge", "x86_64"),
        ("c5.large", "x86_64"),
        ("m6a.large", "x86_64"),
    ],
)
def test_instance_architecture(instance_type: str, architecture: str) -> None:
    assert instance_architecture(instance_type) == architecture


def test_fargate_sizes() -> None:
    assert FARGATE_MEMORY_BY_CPU[256] == (512, 1024, 2048)
    assert FARGATE_MEMORY_BY_CPU[4096][0] == 8192
    assert FARGATE_MEMORY_BY_CPU[4096][-1] == 30720
    assert FARGATE_MEMORY_BY_CPU[16384][-1] == 122880
