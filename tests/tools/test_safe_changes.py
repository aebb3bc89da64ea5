"""The README's safe-changes table is what the schemas say (run `make safe-changes`)."""

from __future__ import annotations

from tests.assembly import Assembly
from tools.safe_changes import current_section, render, replaces


def test_readme_safe_changes_section_is_current(assemblies: dict[str, Assembly]) -> None:
    assert current_section() == render([a.outdir for a in assemblies.values()]), (
        "README safe-changes table is stale: run `make safe-changes`"
    )


def test_replacement_is_read_from_create_only_properties() -> None:
    assert replaces("AWS::EKS::Nodegroup", "CapacityType")
    assert replaces("AWS::EKS::Cluster", "EncryptionConfig")
    assert not replaces("AWS::EKS::Cluster", "Version")
    assert replaces("AWS::ECS::CapacityProvider", "AutoScalingGroupProvider/AutoScalingGroupArn")
    assert not replaces("AWS::ECS::CapacityProvider", "AutoScalingGroupProvider/ManagedScaling")
