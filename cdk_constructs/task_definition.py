"""A workload's task definition: one hardened container, its two roles, its log group.

The **execution role** is what ECS itself uses to start the task: pull the image, write
the log stream, read the secrets it injects. The **task role** is what the application's
code may do, and holds only the permissions config grants the workload.
"""

from __future__ import annotations

import re

from aws_cdk import Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge
from cdk_constructs.grants import grant_permissions
from cdk_constructs.log_group import encrypted_log_group
from cdk_constructs.principals import own_arn, service_principal
from config.models import ImageConfig, SecretRef, TaskConfig

_ECR_URI = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<name>.+)$")

# ECS Exec runs the SSM agent inside the container; it writes to these paths. With a
# read-only root filesystem they must be writable volumes, or Exec sessions fail.
EXEC_AGENT_PATHS = ("/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm")
# On EC2 the ECS agent itself bind-mounts the host's /var/log/ecs/exec/<task>/<container>
# at /var/log/amazon/ssm (amazon-ecs-agent agent/engine/execcmd/manager_init_task_linux.go):
# a volume of berth's there would be a second mount on one path, so the task would not start.
EXEC_AGENT_PATHS_EC2 = tuple(p for p in EXEC_AGENT_PATHS if p != "/var/log/amazon/ssm")


def _tasks_principal(scope: Construct) -> iam.IPrincipal:
    """ecs-tasks.amazonaws.com, limited to this account (confused-deputy protection)."""
    return service_principal(scope, "ecs-tasks.amazonaws.com", source_arn=own_arn(scope, "ecs", "*"))


class WorkloadTaskDefinition(Construct):
    """Read-only root filesystem, non-root user, health check, awslogs with retention."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workload: str,
        config: TaskConfig,
        fargate: bool,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        enable_exec: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.container_name = workload
        self.config = config
        self.execution_role = iam.Role(
            self, "ExecutionRole", assumed_by=_tasks_principal(self), description=f"{workload}: ECS starts the task (image, logs, secrets)"
        )
        self.task_role = iam.Role(
            self, "TaskRole", assumed_by=_tasks_principal(self), description=f"{workload}: what the application may do"
        )
        grant_permissions(self.task_role, config.permissions)

        arm = config.architecture == "arm64"
        self.task_definition = ecs.TaskDefinition(
            self,
            "TaskDefinition",
            compatibility=ecs.Compatibility.FARGATE if fargate else ecs.Compatibility.EC2,
            network_mode=ecs.NetworkMode.AWS_VPC,
            cpu=str(config.cpu),
            memory_mib=str(config.memory_mib),
            # Fargate picks the architecture from the runtime platform; on EC2 the task is
            # placed by a constraint on the container instance's architecture attribute.
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64 if arm else ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            )
            if fargate
            else None,
            placement_constraints=None
            if fargate
            else [ecs.PlacementConstraint.member_of(f"attribute:ecs.cpu-architecture == {config.architecture}")],
            execution_role=self.execution_role,
            task_role=self.task_role,
        )
        self.log_group = encrypted_log_group(self, "Logs", key=key, retention_days=config.log_retention_days, removal_policy=removal_policy)
        c = config.container
        health = c.health_check
        self.container = self.task_definition.add_container(
            "App",
            container_name=workload,
            image=self._image(c.image),
            essential=True,
            command=list(c.command) if c.command else None,
            user=c.user,
            readonly_root_filesystem=True,
            port_mappings=[ecs.PortMapping(container_port=c.port, name="app")] if c.port else None,
            environment=dict(c.environment) or None,
            secrets={name: self._secret(name, ref) for name, ref in c.secrets.items()} or None,
            health_check=ecs.HealthCheck(
                command=list(health.command),
                interval=Duration.seconds(health.interval_seconds),
                timeout=Duration.seconds(health.timeout_seconds),
                retries=health.retries,
                start_period=Duration.seconds(health.start_period_seconds),
            ),
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix=workload,
                log_group=self.log_group,
                mode=ecs.AwsLogDriverMode.NON_BLOCKING,
                max_buffer_size=Size.mebibytes(25),
            ),
            linux_parameters=ecs.LinuxParameters(self, "LinuxParameters", init_process_enabled=True),
        )
        if enable_exec:
            self._mount_exec_paths(EXEC_AGENT_PATHS if fargate else EXEC_AGENT_PATHS_EC2)
        self._acknowledge()

    def _image(self, image: ImageConfig) -> ecs.ContainerImage:
        reference = image.digest or image.tag
        assert reference is not None  # config guarantees exactly one
        match = _ECR_URI.match(image.repository)
        if match is None:
            separator = "@" if image.digest else ":"
            return ecs.ContainerImage.from_registry(f"{image.repository}{separator}{reference}")
        # An ECR repository: the execution role may pull from this repository only.
        partition = Stack.of(self).partition
        repository = ecr.Repository.from_repository_attributes(
            self,
            "Repository",
            repository_name=match["name"],
            repository_arn=f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['name']}",
        )
        return ecs.ContainerImage.from_ecr_repository(repository, reference)

    def _secret(self, name: str, ref: SecretRef) -> ecs.Secret:
        if ref.secrets_manager_arn is not None:
            secret = secretsmanager.Secret.from_secret_complete_arn(self, f"Secret-{name}", ref.secrets_manager_arn)
            return ecs.Secret.from_secrets_manager(secret, ref.json_key)
        assert ref.ssm_parameter is not None
        parameter = ssm.StringParameter.from_secure_string_parameter_attributes(self, f"Parameter-{name}", parameter_name=ref.ssm_parameter)
        return ecs.Secret.from_ssm_parameter(parameter)

    def _mount_exec_paths(self, paths: tuple[str, ...]) -> None:
        for path in paths:
            volume = "exec" + path.replace("/", "-")
            self.task_definition.add_volume(name=volume)
            self.container.add_mount_points(ecs.MountPoint(container_path=path, source_volume=volume, read_only=False))

    def _acknowledge(self) -> None:
        if self.config.container.environment:
            acknowledge(
                self.task_definition,
                "ECS2",
                "Plain environment values are non-secret settings; berth's config refuses secret-looking names and "
                "injects secrets from Secrets Manager or SSM SecureString instead.",
            )
        policy = self.execution_role.node.try_find_child("DefaultPolicy")
        if policy is not None:
            acknowledge(
                policy,
                "IAM5[Resource::*]",
                "ecr:GetAuthorizationToken supports no resource-level permission; image pulls are limited to the workload's repository.",
            )
