"""ContainerInstanceCapacity alone: the AMI choices (standard and GPU), IMDSv2, the capacity provider."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match

from cdk_constructs.ec2_capacity import Ec2CapacityProps
from cdk_constructs.errors import ConstructError
from tests.cdk_constructs.support import bare


def _launch_template(**overrides: object) -> dict:
    b = bare()
    b.capacity(b.cluster(), **overrides)
    (template,) = b.template().find_resources("AWS::EC2::LaunchTemplate").values()
    return template["Properties"]["LaunchTemplateData"]


def test_a_pinned_al2023_ami_is_the_literal_id() -> None:
    data = _launch_template(instance_type="m7i.large", architecture="x86_64", ami_id="ami-0123456789abcdef0")
    assert data["ImageId"] == "ami-0123456789abcdef0"
    assert data["InstanceType"] == "m7i.large"


def test_a_tracked_x86_bottlerocket_ami_reads_the_x86_parameter_at_deploy() -> None:
    b = bare()
    b.capacity(b.cluster(), instance_type="m7i.large", architecture="x86_64", os="bottlerocket")
    template = b.template()
    parameters = json.dumps(template.to_json().get("Parameters", {}))
    assert "/aws/service/bottlerocket/aws-ecs-2/x86_64/latest/image_id" in parameters
    template.has_resource_properties(
        "AWS::ECS::CapacityProvider", {"AutoScalingGroupProvider": Match.object_like({"ManagedDraining": "ENABLED"})}
    )


def test_a_tracked_al2023_arm_ami_reads_the_arm_parameter() -> None:
    b = bare()
    b.capacity(b.cluster())
    assert "amazon-linux-2023/arm64/recommended" in json.dumps(b.template().to_json().get("Parameters", {}))


def test_imdsv2_only_with_hop_limit_one_and_no_public_address() -> None:
    data = _launch_template()
    assert data["MetadataOptions"] == {"HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1, "HttpTokens": "required"}
    assert data["NetworkInterfaces"][0]["AssociatePublicIpAddress"] is False


def test_managed_scaling_uses_the_given_target_and_warmup() -> None:
    b = bare()
    b.capacity(b.cluster(), target_capacity_percent=75, instance_warmup_seconds=120)
    b.template().has_resource_properties(
        "AWS::ECS::CapacityProvider",
        {
            "AutoScalingGroupProvider": Match.object_like(
                {"ManagedScaling": Match.object_like({"TargetCapacity": 75, "InstanceWarmupPeriod": 120})}
            )
        },
    )


def test_the_defaults_are_the_documented_ones() -> None:
    props = Ec2CapacityProps(instance_type="m7g.large", architecture="arm64", min_capacity=1, max_capacity=2)
    assert (props.os, props.ami_id, props.root_volume_gib, props.target_capacity_percent) == ("al2023", None, 30, 90)
    assert (props.instance_warmup_seconds, props.teardown_log_retention_days) == (180, 365)


def _user_data(data: dict) -> str:
    return json.dumps(data["UserData"])


def test_a_gpu_group_reads_the_gpu_ami_parameter_and_turns_gpu_support_on() -> None:
    b = bare()
    b.capacity(b.cluster(), instance_type="g6.xlarge", architecture="x86_64", gpus=1, min_capacity=0)
    template = b.template()
    assert "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id" in json.dumps(template.to_json()["Parameters"])
    (lt,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    assert "ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config" in _user_data(lt["Properties"]["LaunchTemplateData"])


def test_a_pinned_gpu_ami_still_gets_gpu_support_said_explicitly() -> None:
    data = _launch_template(instance_type="g6.xlarge", architecture="x86_64", gpus=1, ami_id="ami-0123456789abcdef0")
    assert data["ImageId"] == "ami-0123456789abcdef0"
    assert "ECS_ENABLE_GPU_SUPPORT=true" in _user_data(data)


def test_a_standard_group_has_no_gpu_setting() -> None:
    assert "ECS_ENABLE_GPU_SUPPORT" not in _user_data(_launch_template())


def test_a_bottlerocket_gpu_group_reads_the_nvidia_variant_on_arm64() -> None:
    b = bare()
    b.capacity(b.cluster(), instance_type="g5g.xlarge", architecture="arm64", gpus=1, os="bottlerocket")
    assert "/aws/service/bottlerocket/aws-ecs-2-nvidia/arm64/latest/image_id" in json.dumps(b.template().to_json()["Parameters"])


def test_an_arm64_gpu_group_on_al2023_is_refused() -> None:
    b = bare()
    with pytest.raises(ConstructError, match="x86_64 only"):
        b.capacity(b.cluster(), instance_type="g5g.xlarge", architecture="arm64", gpus=1)


def test_two_groups_share_the_stacks_one_custom_resource_role_and_log_group() -> None:
    """AwsCustomResource runs every call of a stack in one singleton function: a second group's
    own role or log group would be created and never used."""
    b = bare()
    cluster = b.cluster()
    b.capacity(cluster)
    b.capacity(cluster, "Gpu", instance_type="g6.xlarge", architecture="x86_64", min_capacity=0, max_capacity=1, gpus=1)
    template = b.template()
    resources = template.to_json()["Resources"]
    runtime = [name for name in resources if "Teardown" in name and resources[name]["Type"] in ("AWS::IAM::Role", "AWS::Logs::LogGroup")]
    assert [name.rstrip("0123456789ABCDEF") for name in runtime] == ["CapacityTeardownRole", "CapacityTeardownLogs"]
    template.resource_count_is("AWS::ECS::CapacityProvider", 2)
    policies = [p for name, p in template.find_resources("AWS::IAM::Policy").items() if "Teardown" in name or "Refresh" in name]
    assert len(policies) == 4
    assert len({json.dumps(p["Properties"]["Roles"]) for p in policies}) == 1
