"""The EBS volumes of a node, ECS container instance or EKS worker node alike."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms

# Bottlerocket's OS volume: its image is small and read-only; data goes to the second volume.
BOTTLEROCKET_OS_GIB = 4


def encrypted_node_volumes(*, bottlerocket: bool, size_gib: int, key: kms.IKey) -> list[ec2.BlockDevice]:
    """Every volume gp3 and encrypted with `key`.

    AL2023 has one root volume of `size_gib`. Bottlerocket boots from a small OS volume and
    keeps images and containers on a second, data volume of `size_gib`: both are encrypted.
    """

    def volume(size: int) -> ec2.BlockDeviceVolume:
        return ec2.BlockDeviceVolume.ebs(
            size, encrypted=True, kms_key=key, volume_type=ec2.EbsDeviceVolumeType.GP3, delete_on_termination=True
        )

    if bottlerocket:
        return [
            ec2.BlockDevice(device_name="/dev/xvda", volume=volume(BOTTLEROCKET_OS_GIB)),
            ec2.BlockDevice(device_name="/dev/xvdb", volume=volume(size_gib)),
        ]
    return [ec2.BlockDevice(device_name="/dev/xvda", volume=volume(size_gib))]
