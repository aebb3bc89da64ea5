"""A workload's task definition: its hardened containers (the application and its sidecars),
their volumes, its two roles, its log group.

The **execution role** is what ECS itself uses to start the task: pull the image, write
the log stream, read the secrets it injects. The **task role** is what the application's
code may do, and holds only the permissions the workload is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from aws_cdk import Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, acknowledge_guard, default_policy
from cdk_constructs.errors import ConstructError
from cdk_constructs.grants import Permission, grant_permissions
from cdk_constructs.log_group import encrypted_log_group
from cdk_constructs.principals import own_arn, service_principal

_ECR_URI = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<name>.+)$")

# ECS Exec runs the SSM agent inside the container; it writes to these paths. With a
# read-only root filesystem they must be writable volumes, or Exec sessions fail.
EXEC_AGENT_PATHS = ("/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm")
# On EC2 the ECS agent itself bind-mounts the host's /var/log/ecs/exec/<task>/<container>
# at /var/log/amazon/ssm (amazon-ecs-agent agent/engine/execcmd/manager_init_task_linux.go):
# a volume of berth's there would be a second mount on one path, so the task would not start.
EXEC_AGENT_PATHS_EC2 = tuple(p for p in EXEC_AGENT_PATHS if p != "/var/log/amazon/ssm")


@dataclass(frozen=True, kw_only=True)
class ImageRef:
    """A container image from one of: `repository` (a URI), `created_repository` (the name of
    an ECR repository in this account and region, e.g. berth/dev/web), or `build_directory`
    (an absolute path with a Dockerfile: a CDK image asset, built and pushed by `cdk deploy`
    to the bootstrap's asset repository). The first two by tag or (better) digest: exactly
    one. The execution role may pull from that one repository only."""

    repository: str | None = None
    created_repository: str | None = None
    build_directory: str | None = None
    dockerfile: str = "Dockerfile"
    tag: str | None = None
    digest: str | None = None


@dataclass(frozen=True, kw_only=True)
class SecretSource:
    """A secret ECS injects at start: a Secrets Manager secret (complete ARN, optionally one
    JSON key) or an SSM SecureString parameter: exactly one of the two."""

    secrets_manager_arn: str | None = None
    json_key: str | None = None
    ssm_parameter: str | None = None


@dataclass(frozen=True, kw_only=True)
class HealthCheckProps:
    """The container's own health check (Docker HEALTHCHECK semantics)."""

    command: tuple[str, ...]
    interval_seconds: int = 30
    timeout_seconds: int = 5
    retries: int = 3
    start_period_seconds: int = 30


@dataclass(frozen=True, kw_only=True)
class Mount:
    """A volume of the task (by name) mounted at `path` in a container."""

    volume: str
    path: str
    read_only: bool = False


@dataclass(frozen=True, kw_only=True)
class Dependency:
    """A container starts once `container` has reached `condition`: START, HEALTHY (it has a
    health check), COMPLETE or SUCCESS (it is not essential: it runs and exits)."""

    container: str
    condition: Literal["START", "COMPLETE", "SUCCESS", "HEALTHY"] = "START"


@dataclass(frozen=True, kw_only=True)
class SidecarProps:
    """A further container of the task: hardened like the application's (read-only root,
    non-root user, logs in the task's log group under its own stream prefix)."""

    name: str
    image: ImageRef
    memory_mib: int
    cpu: int = 0
    essential: bool = True
    command: tuple[str, ...] | None = None
    user: str = "1000:1000"
    port: int | None = None
    environment: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, SecretSource] = field(default_factory=dict)
    health_check: HealthCheckProps | None = None
    depends_on: tuple[Dependency, ...] = ()
    mounts: tuple[Mount, ...] = ()


@dataclass(frozen=True, kw_only=True)
class LogRouterProps:
    """A FireLens log router (Fluent Bit), container `log-router`: the application container and
    the sidecars log through it; it logs to the task's log group itself. With
    `firehose_delivery_stream_arn` the records go to that Firehose stream, otherwise to the
    task's log group (Fluent Bit adds the task's ECS metadata); the task role may write there
    and nowhere else. Considerations:
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_firelens.html."""

    image: ImageRef
    memory_mib: int = 64
    firehose_delivery_stream_arn: str | None = None


LOG_ROUTER = "log-router"


@dataclass(frozen=True, kw_only=True)
class EfsVolume:
    """An EFS volume: mounted through `access_point` over TLS with IAM authorization; the task
    role is granted read (and, unless `read_only`, write) on it."""

    file_system: efs.IFileSystem
    access_point: efs.IAccessPoint
    read_only: bool = False


@dataclass(frozen=True, kw_only=True)
class TaskProps:
    """One application container, its size and what it may do.

    | prop | default | why |
    | --- | --- | --- |
    | `cpu`, `memory_mib` | (required) | the task's size (Fargate accepts fixed pairs) |
    | `image` | (required) | `ImageRef` |
    | `health_check` | (required) | every container says how to tell it is healthy |
    | `architecture` | "x86_64" | or "arm64" (Graviton) |
    | `port` | None | the container port, for a load balancer or callers |
    | `command` | None | the image's own command |
    | `user` | "1000:1000" | a non-root user |
    | `scratch_paths` | () | writable task-scoped directories (e.g. /tmp) under the read-only root |
    | `sidecars` | () | `SidecarProps`: further containers; their memory comes out of the application's hard limit |
    | `volumes` | () | names of task-scoped volumes the containers share (empty at start, gone with the task) |
    | `mounts` | () | the application container's `Mount`s (task-scoped volumes, or the `efs_volumes` given) |
    | `depends_on` | () | the application container starts after these `Dependency`s |
    | `environment` | {} | plain, non-secret values |
    | `secrets` | {} | name -> `SecretSource`, injected by ECS |
    | `permissions` | () | the task role's statements (`grants.Permission`): nothing else |
    | `log_retention_days` | 90 | the container's log group |
    | `gpus` | 0 | NVIDIA GPUs ECS pins to the application container (EC2 only: a GPU AMI's instances, ecs-gpu.html) |
    | `log_router` | None | `LogRouterProps`: the containers log through FireLens; its memory comes out of the application's |
    """

    cpu: int
    memory_mib: int
    image: ImageRef
    health_check: HealthCheckProps
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    port: int | None = None
    command: tuple[str, ...] | None = None
    user: str = "1000:1000"
    scratch_paths: tuple[str, ...] = ()
    sidecars: tuple[SidecarProps, ...] = ()
    volumes: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    depends_on: tuple[Dependency, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, SecretSource] = field(default_factory=dict)
    permissions: tuple[Permission, ...] = ()
    log_retention_days: int = 90
    gpus: int = 0
    log_router: LogRouterProps | None = None


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
        props: TaskProps,
        fargate: bool,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        enable_exec: bool = False,
        efs_volumes: dict[str, EfsVolume] | None = None,
    ) -> None:
        """`efs_volumes`: volume name -> `EfsVolume`, for the containers' `mounts`."""
        super().__init__(scope, construct_id)
        self.container_name = workload
        self.props = props
        self.execution_role = iam.Role(
            self, "ExecutionRole", assumed_by=_tasks_principal(self), description=f"{workload}: ECS starts the task (image, logs, secrets)"
        )
        self.task_role = iam.Role(
            self, "TaskRole", assumed_by=_tasks_principal(self), description=f"{workload}: what the application may do"
        )
        grant_permissions(self.task_role, props.permissions)

        if props.gpus and fargate:
            raise ConstructError(self, "Fargate has no GPUs: a task with gpus runs on EC2 capacity (fargate=False)")
        arm = props.architecture == "arm64"
        self.task_definition = ecs.TaskDefinition(
            self,
            "TaskDefinition",
            compatibility=ecs.Compatibility.FARGATE if fargate else ecs.Compatibility.EC2,
            network_mode=ecs.NetworkMode.AWS_VPC,
            cpu=str(props.cpu),
            memory_mib=str(props.memory_mib),
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
            else [ecs.PlacementConstraint.member_of(f"attribute:ecs.cpu-architecture == {props.architecture}")],
            execution_role=self.execution_role,
            task_role=self.task_role,
        )
        self.log_group = encrypted_log_group(self, "Logs", key=key, retention_days=props.log_retention_days, removal_policy=removal_policy)
        c = props
        health = c.health_check
        self.container = self.task_definition.add_container(
            "App",
            container_name=workload,
            image=self._image(c.image),
            essential=True,
            # A container hard limit as well as the task's (AWS Control Tower CT.ECS.PR.7):
            # on EC2 a container cannot take the whole instance's memory. Sidecars' limits
            # come out of the application's.
            memory_limit_mib=props.memory_mib
            - sum(s.memory_mib for s in props.sidecars)
            - (props.log_router.memory_mib if props.log_router else 0),
            command=list(c.command) if c.command else None,
            user=c.user,
            readonly_root_filesystem=True,
            port_mappings=[ecs.PortMapping(container_port=c.port, name="app")] if c.port else None,
            environment=dict(c.environment) or None,
            secrets={name: self._secret(name, ref) for name, ref in c.secrets.items()} or None,
            health_check=_health_check(health),
            logging=self._logging(workload),
            linux_parameters=ecs.LinuxParameters(self, "LinuxParameters", init_process_enabled=True),
            # A GPU resource requirement: the agent pins that many physical GPUs to the container.
            gpu_count=props.gpus or None,
        )
        exec_paths = (EXEC_AGENT_PATHS if fargate else EXEC_AGENT_PATHS_EC2) if enable_exec else ()
        if set(props.scratch_paths) & set(exec_paths):
            raise ConstructError(self, f"scratch paths {sorted(set(props.scratch_paths) & set(exec_paths))} are ECS Exec's own")
        self._mount_writable("exec", exec_paths)
        self._mount_writable("scratch", props.scratch_paths)
        self._volumes(props.volumes, efs_volumes or {})
        containers: dict[str, ecs.ContainerDefinition] = {workload: self.container}
        for sidecar in props.sidecars:
            containers[sidecar.name] = self._sidecar(sidecar, workload)
        if props.log_router is not None:
            containers[LOG_ROUTER] = self._log_router(props.log_router, containers)
        for name, mounts, dependencies in (
            (workload, props.mounts, props.depends_on),
            *((s.name, s.mounts, s.depends_on) for s in props.sidecars),
        ):
            self._mount(containers[name], mounts)
            for dependency in dependencies:
                if dependency.container not in containers:
                    raise ConstructError(self, f"{name} depends on {dependency.container}, which is not a container of this task")
                containers[name].add_container_dependencies(
                    ecs.ContainerDependency(
                        container=containers[dependency.container], condition=ecs.ContainerDependencyCondition(dependency.condition)
                    )
                )
        self._acknowledge()

    def _volumes(self, names: tuple[str, ...], files: dict[str, EfsVolume]) -> None:
        self._volume_names = set(names) | set(files)
        for name in names:
            self.task_definition.add_volume(name=name)
        for name, volume in files.items():
            # TLS in transit and IAM authorization through the access point
            # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html).
            self.task_definition.add_volume(
                name=name,
                efs_volume_configuration=ecs.EfsVolumeConfiguration(
                    file_system_id=volume.file_system.file_system_id,
                    transit_encryption="ENABLED",
                    authorization_config=ecs.AuthorizationConfig(access_point_id=volume.access_point.access_point_id, iam="ENABLED"),
                ),
            )
            actions = ["elasticfilesystem:ClientMount"] + ([] if volume.read_only else ["elasticfilesystem:ClientWrite"])
            self.task_role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=actions,
                    resources=[volume.file_system.file_system_arn],
                    conditions={"StringEquals": {"elasticfilesystem:AccessPointArn": volume.access_point.access_point_arn}},
                )
            )

    def _mount(self, container: ecs.ContainerDefinition, mounts: tuple[Mount, ...]) -> None:
        for mount in mounts:
            if mount.volume not in self._volume_names:
                raise ConstructError(self, f"{container.container_name} mounts {mount.volume}, which is not a volume of this task")
            container.add_mount_points(ecs.MountPoint(container_path=mount.path, source_volume=mount.volume, read_only=mount.read_only))

    def _sidecar(self, sidecar: SidecarProps, workload: str) -> ecs.ContainerDefinition:
        if sidecar.name == workload:
            raise ConstructError(self, f"a sidecar cannot be named {workload}: that is the application container's name")
        health = sidecar.health_check
        return self.task_definition.add_container(
            f"Sidecar-{sidecar.name}",
            container_name=sidecar.name,
            image=self._image(sidecar.image, f"Repository-{sidecar.name}"),
            essential=sidecar.essential,
            memory_limit_mib=sidecar.memory_mib,
            cpu=sidecar.cpu or None,
            command=list(sidecar.command) if sidecar.command else None,
            user=sidecar.user,
            readonly_root_filesystem=True,
            port_mappings=[ecs.PortMapping(container_port=sidecar.port, name=sidecar.name)] if sidecar.port else None,
            environment=dict(sidecar.environment) or None,
            secrets={n: self._secret(n, ref, prefix=f"{sidecar.name}-") for n, ref in sidecar.secrets.items()} or None,
            health_check=_health_check(health) if health else None,
            logging=self._logging(sidecar.name),
        )

    def _aws_logs(self, stream_prefix: str) -> ecs.LogDriver:
        """awslogs into the task's log group, non-blocking: a slow CloudWatch never stalls the container."""
        return ecs.LogDrivers.aws_logs(
            stream_prefix=stream_prefix,
            log_group=self.log_group,
            mode=ecs.AwsLogDriverMode.NON_BLOCKING,
            max_buffer_size=Size.mebibytes(25),
        )

    def _logging(self, stream_prefix: str) -> ecs.LogDriver:
        """awslogs into the task's log group, or FireLens when the task has a log router."""
        router = self.props.log_router
        if router is None:
            return self._aws_logs(stream_prefix)
        region = Stack.of(self).region
        if router.firehose_delivery_stream_arn is not None:
            stream = router.firehose_delivery_stream_arn.rsplit("/", 1)[-1]
            options = {"Name": "kinesis_firehose", "region": region, "delivery_stream": stream}
        else:
            options = {
                "Name": "cloudwatch_logs",
                "region": region,
                "log_group_name": self.log_group.log_group_name,
                "log_stream_prefix": f"{stream_prefix}/",
                "auto_create_group": "false",
            }
        return ecs.LogDrivers.firelens(options=options)

    def _log_router(self, router: LogRouterProps, containers: dict[str, ecs.ContainerDefinition]) -> ecs.ContainerDefinition:
        if LOG_ROUTER in containers:
            raise ConstructError(self, f"{LOG_ROUTER} is the log router's container name: a sidecar cannot take it")
        container = self.task_definition.add_firelens_log_router(
            "LogRouter",
            container_name=LOG_ROUTER,
            image=self._image(router.image, f"Repository-{LOG_ROUTER}"),
            firelens_config=ecs.FirelensConfig(type=ecs.FirelensLogRouterType.FLUENTBIT),
            essential=True,
            memory_limit_mib=router.memory_mib,
            # FireLens runs Fluent Bit as root: it creates the task's log socket in a
            # directory the ECS agent owns as root (aws/containers-roadmap#2122), and ECS
            # refuses another user on a FireLens container. No port, read-only root.
            user="0",
            readonly_root_filesystem=True,
            logging=self._aws_logs(LOG_ROUTER),
        )
        # Explicit, so that a container's own `depends_on` cannot drop ECS's default order
        # (a dependency of its own overrides the default start-after-the-router).
        acknowledge_guard(
            self.task_definition,
            "ecs_task_definition_nonroot_user_check",
            f"Only the FireLens log router ({LOG_ROUTER}) runs as root: FireLens requires it (the ECS agent creates the log "
            "socket's directory as root, aws/containers-roadmap#2122; ECS refuses another user on a FireLens container). "
            "It has no port, a read-only root filesystem and no permission beyond writing the task's logs; every other "
            "container runs as a non-root user.",
        )
        started = ecs.ContainerDependency(container=container, condition=ecs.ContainerDependencyCondition.START)
        for logged in containers.values():
            logged.add_container_dependencies(started)
        if router.firehose_delivery_stream_arn is not None:
            self.task_role.add_to_principal_policy(
                iam.PolicyStatement(actions=["firehose:PutRecordBatch"], resources=[router.firehose_delivery_stream_arn])
            )
        else:
            self.log_group.grant_write(self.task_role)
        return container

    def _image(self, image: ImageRef, construct_id: str = "Repository") -> ecs.ContainerImage:
        sources = [x for x in (image.repository, image.created_repository, image.build_directory) if x is not None]
        if len(sources) != 1:
            raise ConstructError(self, "an image comes from exactly one of a repository, a created repository or a build directory")
        if image.build_directory is not None:
            arm = self.props.architecture == "arm64"
            return ecs.ContainerImage.from_asset(
                image.build_directory,
                file=image.dockerfile,
                platform=ecr_assets.Platform.LINUX_ARM64 if arm else ecr_assets.Platform.LINUX_AMD64,
            )
        reference = image.digest or image.tag
        if reference is None or (image.tag is not None and image.digest is not None):
            raise ConstructError(self, f"image {sources[0]}: give exactly one of a tag or a digest")
        if image.created_repository is not None:
            repository = ecr.Repository.from_repository_attributes(
                self,
                construct_id,
                repository_name=image.created_repository,
                repository_arn=own_arn(self, "ecr", f"repository/{image.created_repository}"),
            )
            return ecs.ContainerImage.from_ecr_repository(repository, reference)
        assert image.repository is not None
        match = _ECR_URI.match(image.repository)
        if match is None:
            separator = "@" if image.digest else ":"
            return ecs.ContainerImage.from_registry(f"{image.repository}{separator}{reference}")
        # An ECR repository: the execution role may pull from this repository only.
        partition = Stack.of(self).partition
        repository = ecr.Repository.from_repository_attributes(
            self,
            construct_id,
            repository_name=match["name"],
            repository_arn=f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['name']}",
        )
        return ecs.ContainerImage.from_ecr_repository(repository, reference)

    def _secret(self, name: str, ref: SecretSource, prefix: str = "") -> ecs.Secret:
        if ref.secrets_manager_arn is not None:
            secret = secretsmanager.Secret.from_secret_complete_arn(self, f"Secret-{prefix}{name}", ref.secrets_manager_arn)
            return ecs.Secret.from_secrets_manager(secret, ref.json_key)
        if ref.ssm_parameter is None:
            raise ConstructError(self, f"secret {name}: give a Secrets Manager ARN or an SSM parameter name")
        parameter = ssm.StringParameter.from_secure_string_parameter_attributes(
            self, f"Parameter-{prefix}{name}", parameter_name=ref.ssm_parameter
        )
        return ecs.Secret.from_ssm_parameter(parameter)

    def _mount_writable(self, prefix: str, paths: tuple[str, ...]) -> None:
        """Each path a task-scoped (bind-mount) volume: empty at start, writable, gone with the task."""
        for path in paths:
            volume = prefix + path.replace("/", "-")
            self.task_definition.add_volume(name=volume)
            self.container.add_mount_points(ecs.MountPoint(container_path=path, source_volume=volume, read_only=False))

    def add_environment(self, name: str, value: str) -> None:
        """A plain, non-secret value berth itself sets (such as the work queue's URL)."""
        if not self.props.environment and not self._added_environment:
            self._acknowledge_environment()
        self._added_environment = True
        self.container.add_environment(name, value)

    def _acknowledge_environment(self) -> None:
        acknowledge(
            self.task_definition,
            "ECS2",
            "Plain environment values are non-secret settings; berth's config refuses secret-looking names and "
            "injects secrets from Secrets Manager or SSM SecureString instead.",
        )

    def _acknowledge(self) -> None:
        self._added_environment = False
        if self.props.environment or any(s.environment for s in self.props.sidecars):
            self._acknowledge_environment()
        policy = default_policy(self.execution_role)
        if policy is not None:
            acknowledge(
                policy,
                "IAM5[Resource::*]",
                "ecr:GetAuthorizationToken supports no resource-level permission; image pulls are limited to the workload's repository.",
            )


def _health_check(health: HealthCheckProps) -> ecs.HealthCheck:
    return ecs.HealthCheck(
        command=list(health.command),
        interval=Duration.seconds(health.interval_seconds),
        timeout=Duration.seconds(health.timeout_seconds),
        retries=health.retries,
        start_period=Duration.seconds(health.start_period_seconds),
    )
