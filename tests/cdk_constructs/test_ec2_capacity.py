"""ContainerInstanceCapacity alone: the AMI choices, IMDSv2, the capacity provider."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

from cdk_constructs.ec2_capacity import Ec2CapacityProps
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
