"""ManagedNodeGroup alone: x86 Bottlerocket, Spot, labels and taints, the launch template."""

from __future__ import annotations

from aws_cdk.assertions import Template

from cdk_constructs.eks_node_groups import NODE_GROUP_POLICIES, ManagedNodeGroup, NodeGroupProps, Taint, node_role
from tests.cdk_constructs.support import bare


def _group(props: NodeGroupProps) -> Template:
    b = bare()
    cluster = b.eks_cluster()
    role = node_role(b.stack, "Nodes", policies=NODE_GROUP_POLICIES, description="nodes")
    ManagedNodeGroup(b.stack, "Group", cluster=cluster, props=props, role=role, key=b.key, autoscaler_tags={})
    return b.template()


BASE = {"instance_types": ("m7i.large",), "release_version": "1.51.0-47438798", "min_size": 1, "desired_size": 2, "max_size": 3}


def test_x86_bottlerocket_on_spot_with_labels_and_taints() -> None:
    props = NodeGroupProps(
        **BASE,
        ami_type="BOTTLEROCKET_X86_64",
        capacity_type="SPOT",
        labels={"role": "batch"},
        taints=(Taint(key="batch", value="true", effect="NO_SCHEDULE"),),
    )
    template = _group(props)
    template.has_resource_properties(
        "AWS::EKS::Nodegroup",
        {
            "AmiType": "BOTTLEROCKET_x86_64",  # CloudFormation's spelling of the AMI type
            "CapacityType": "SPOT",
            "ReleaseVersion": "1.51.0-47438798",
            "Labels": {"role": "batch"},
            "Taints": [{"Effect": "NO_SCHEDULE", "Key": "batch", "Value": "true"}],
            "ScalingConfig": {"MinSize": 1, "DesiredSize": 2, "MaxSize": 3},
        },
    )


def test_bottlerocket_encrypts_its_os_and_data_volumes() -> None:
    template = _group(NodeGroupProps(**BASE, ami_type="BOTTLEROCKET_X86_64", disk_gib=80))
    (lt,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    devices = lt["Properties"]["LaunchTemplateData"]["BlockDeviceMappings"]
    assert [d["DeviceName"] for d in devices] == ["/dev/xvda", "/dev/xvdb"]
    assert all(d["Ebs"]["Encrypted"] for d in devices)
    assert devices[1]["Ebs"]["VolumeSize"] == 80


def test_al2023_has_one_encrypted_volume_and_imdsv2() -> None:
    template = _group(NodeGroupProps(**BASE, ami_type="AL2023_X86_64_STANDARD"))
    (lt,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    data = lt["Properties"]["LaunchTemplateData"]
    assert [d["DeviceName"] for d in data["BlockDeviceMappings"]] == ["/dev/xvda"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
