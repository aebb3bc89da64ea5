"""Replacement read from the CloudFormation schemas (the README table's freshness: tests/test_generated.py)."""

from __future__ import annotations

from tools.safe_changes import replaces


def test_replacement_is_read_from_create_only_properties() -> None:
    assert replaces("AWS::EKS::Nodegroup", "CapacityType")
    assert replaces("AWS::EKS::Cluster", "EncryptionConfig")
    assert not replaces("AWS::EKS::Cluster", "Version")
    assert replaces("AWS::ECS::CapacityProvider", "AutoScalingGroupProvider/AutoScalingGroupArn")
    assert not replaces("AWS::ECS::CapacityProvider", "AutoScalingGroupProvider/ManagedScaling")
