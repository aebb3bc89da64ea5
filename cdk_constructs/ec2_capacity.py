"""The EC2 launch type's capacity: container instances in an Auto Scaling group.

A container instance is an EC2 instance running the ECS agent. The ECS capacity provider
scales the group (managed scaling), keeps instances with running tasks from being
terminated (managed termination protection) and drains tasks before an instance goes
(managed draining). A cluster may have several groups (another architecture, a GPU type),
each its own capacity provider that strategies name.

GPU groups (`gpus` > 0) run AWS's GPU AMIs, which carry the NVIDIA driver and container
runtime: the ECS GPU-optimized Amazon Linux 2023 (x86_64 only) or Bottlerocket's
aws-ecs-2-nvidia variant. ECS then pins GPUs to containers that ask for them and never
places such a container where too few are free ("Amazon ECS task definitions for GPU
workloads", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-gpu.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, acknowledge_guard, acknowledge_managed_policy, default_policy
from cdk_constructs.asg_teardown import ForceDeleteGroupOnTeardown
from cdk_constructs.checkov import skip_checkov
from cdk_constructs.egress import workload_security_group
from cdk_constructs.errors import ConstructError
from cdk_constructs.instance_refresh import RefreshInstancesOnLaunchTemplateChange
from cdk_constructs.node_volumes import encrypted_node_volumes


@dataclass(frozen=True, kw_only=True)
class Ec2CapacityProps:
    """The container instances.

    | prop | default | why |
    | --- | --- | --- |
    | `instance_type` | (required) | e.g. m7g.large |
    | `architecture` | (required) | "x86_64" or "arm64", the instance type's (berth's instance data knows it) |
    | `min_capacity`, `max_capacity` | (required) | the Auto Scaling group's range |
    | `os` | "al2023" | the ECS-optimized Amazon Linux 2023, or "bottlerocket" |
    | `ami_id` | None | a pinned AMI; None tracks AWS's recommended image (an SSM parameter read at deploy) |
    | `root_volume_gib` | 30 | the OS volume (AL2023) or the data volume (Bottlerocket) |
    | `target_capacity_percent` | 90 | managed scaling's headroom |
    | `instance_warmup_seconds` | 180 | before a new instance counts in scaling and refresh |
    | `teardown_log_retention_days` | 365 | the log of the function that force-deletes the group on teardown |
    | `gpus` | 0 | NVIDIA GPUs per instance (berth's instance data knows it): >0 selects the GPU AMI |
    """

    instance_type: str
    architecture: Literal["x86_64", "arm64"]
    min_capacity: int
    max_capacity: int
    os: Literal["al2023", "bottlerocket"] = "al2023"
    ami_id: str | None = None
    root_volume_gib: int = 30
    target_capacity_percent: int = 90
    instance_warmup_seconds: int = 180
    teardown_log_retention_days: int = 365
    gpus: int = 0


def _machine_image(props: Ec2CapacityProps, region: str) -> ec2.IMachineImage:
    if props.ami_id is not None:
        # Pinned: the template carries the literal id; a new AMI is a reviewed change.
        return ec2.MachineImage.generic_linux({region: props.ami_id})
    # Tracked (an explicit choice): AWS's recommended image, read from its public SSM
    # parameter by CloudFormation at deploy time. No look-up happens at synth.
    arm = props.architecture == "arm64"
    if props.os == "bottlerocket":
        return ecs.BottleRocketImage(
            variant=ecs.BottlerocketEcsVariant.AWS_ECS_2_NVIDIA if props.gpus else ecs.BottlerocketEcsVariant.AWS_ECS_2,
            architecture=ec2.InstanceArchitecture.ARM_64 if arm else ec2.InstanceArchitecture.X86_64,
        )
    if props.gpus:
        # /aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id: x86_64 only.
        return ecs.EcsOptimizedImage.amazon_linux2023(ecs.AmiHardwareType.GPU)
    return ecs.EcsOptimizedImage.amazon_linux2023(ecs.AmiHardwareType.ARM if arm else ecs.AmiHardwareType.STANDARD)


def _user_data(props: Ec2CapacityProps) -> ec2.UserData:
    if props.os == "bottlerocket":
        # Bottlerocket reads TOML settings, not a shell script; its nvidia variants turn GPU
        # support on themselves. The capacity provider appends the cluster settings.
        return ec2.UserData.custom("")
    user_data = ec2.UserData.for_linux()
    if props.gpus:
        # The GPU AMI's default, said explicitly so that a pinned AMI cannot leave it off:
        # without it the agent registers no GPUs and no GPU task is ever placed.
        user_data.add_commands("echo ECS_ENABLE_GPU_SUPPORT=true >> /etc/ecs/ecs.config")
    return user_data


class ContainerInstanceCapacity(Construct):
    """Launch template + Auto Scaling group + ECS capacity provider, added to `cluster`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: ecs.Cluster,
        props: Ec2CapacityProps,
        key: kms.IKey,
        notifications: sns.ITopic,
        region: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        if props.gpus and props.os == "al2023" and props.architecture == "arm64":
            raise ConstructError(self, "the ECS GPU-optimized Amazon Linux 2023 AMI is x86_64 only: an arm64 GPU group needs bottlerocket")
        # The ECS agent, ECR, CloudWatch and SSM are all HTTPS; tasks have their own groups (awsvpc).
        self.security_group = workload_security_group(
            self, "SecurityGroup", vpc=cluster.vpc, description="ECS container instances: no inbound, tasks use awsvpc"
        )
        self.role = iam.Role(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="ECS container instance role (agent only)",
        )
        is_bottlerocket = props.os == "bottlerocket"
        launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            machine_image=_machine_image(props, region),
            instance_type=ec2.InstanceType(props.instance_type),
            role=self.role,
            security_group=self.security_group,
            block_devices=encrypted_node_volumes(bottlerocket=is_bottlerocket, size_gib=props.root_volume_gib, key=key),
            # The capacity provider appends the cluster settings to whichever user data this is.
            user_data=_user_data(props),
            http_endpoint=True,
            # Hop limit 1: containers cannot reach the instance's metadata (and its role).
            http_put_response_hop_limit=1,
            http_tokens=ec2.LaunchTemplateHttpTokens.REQUIRED,
            detailed_monitoring=True,
            associate_public_ip_address=False,
        )
        self.auto_scaling_group = autoscaling.AutoScalingGroup(
            self,
            "Group",
            vpc=cluster.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            launch_template=launch_template,
            min_capacity=props.min_capacity,
            max_capacity=props.max_capacity,
            notifications=[autoscaling.NotificationConfiguration(topic=notifications)],
            default_instance_warmup=Duration.seconds(props.instance_warmup_seconds),
        )
        acknowledge_guard(
            self.auto_scaling_group,
            "autoscaling_multiple_az_check",
            "The group spans a private subnet in each of the environment's availability zones (at least two; config refuses "
            "fewer), through VPCZoneIdentifier, read from the network stack's SSM parameters at deploy time.",
        )
        acknowledge_guard(
            self.auto_scaling_group,
            "autoscaling_mixed_instances_policy_multiple_instance_types_check",
            "One On-Demand instance type by design: ECS managed scaling sizes the group by it, and tasks are placed by its "
            "architecture; Spot diversification is Fargate Spot's job in this platform.",
        )
        self.capacity_provider = ecs.AsgCapacityProvider(
            self,
            "CapacityProvider",
            auto_scaling_group=self.auto_scaling_group,
            enable_managed_scaling=True,
            enable_managed_termination_protection=True,
            enable_managed_draining=True,
            target_capacity_percent=props.target_capacity_percent,
            instance_warmup_period=props.instance_warmup_seconds,
            machine_image_type=ecs.MachineImageType.BOTTLEROCKET if is_bottlerocket else ecs.MachineImageType.AMAZON_LINUX_2,
        )
        cluster.add_asg_capacity_provider(self.capacity_provider)
        teardown = ForceDeleteGroupOnTeardown(
            self,
            "Teardown",
            auto_scaling_group=self.auto_scaling_group,
            vpc=cluster.vpc,
            key=key,
            log_retention_days=props.teardown_log_retention_days,
            removal_policy=removal_policy,
        )
        # Deleted after the capacity provider (and so after the services and the association).
        self.capacity_provider.node.add_dependency(teardown)
        RefreshInstancesOnLaunchTemplateChange(
            self,
            "Refresh",
            auto_scaling_group=self.auto_scaling_group,
            launch_template=launch_template,
            instance_warmup_seconds=props.instance_warmup_seconds,
            runtime=teardown.runtime(cluster.vpc),
        )
        self._acknowledge(is_bottlerocket)

    def _acknowledge(self, is_bottlerocket: bool) -> None:
        policy = default_policy(self.role)
        if policy is not None:
            skip_checkov(
                policy,
                "CKV_AWS_111",
                "The ECS agent's permissions as aws-cdk-lib writes them: state submissions scoped to this cluster, and "
                "discovery/auth calls that support no resource-level permissions.",
            )
            acknowledge(
                policy,
                "IAM5[Action::ecs:Submit*]",
                "Written by aws-cdk-lib for the ECS agent (SubmitContainerStateChange, SubmitTaskStateChange, "
                "SubmitAttachmentStateChanges), scoped to this cluster's ARN.",
            )
            acknowledge(
                policy,
                "IAM5[Resource::*]",
                "ecs:DiscoverPollEndpoint, ecr:GetAuthorizationToken and logs:CreateLogStream for the agent support no "
                "resource-level permissions (AWS Service Authorization Reference).",
            )
        if is_bottlerocket:
            acknowledge_managed_policy(
                self.role,
                "service-role/AmazonEC2ContainerServiceforEC2Role",
                "AWS's documented policy for the ECS agent on Bottlerocket; aws-cdk-lib attaches it for that AMI family.",
            )
            acknowledge_managed_policy(
                self.role,
                "AmazonSSMManagedInstanceCore",
                "Bottlerocket's control container is reached through SSM (no SSH, no open ports); AWS documents this policy for it.",
            )
