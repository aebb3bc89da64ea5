"""A task's containers: the application's and its sidecars, their images, secrets, health
checks, and the volumes they share (task-scoped, or EFS).

The rules here are ECS's own, checked before anything is built
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html):
a dependency on a container's HEALTHY state needs its health check; COMPLETE and SUCCESS
apply to a container that is not essential (it runs and exits); dependencies form no
cycle; every container's hard memory limit fits in the task's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from config import patterns
from config.errors import Problem, ProblemsError
from config.iam import Permission
from config.types import Architecture, ConfigModel, Name, RetentionDays

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
_SECRET_NAME_HINT = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)", re.I)
# What the application container keeps at least, after its sidecars' memory.
APPLICATION_MIN_MEMORY_MIB = 64


class BuildConfig(ConfigModel):
    """An image built from a Dockerfile in this repository: a CDK image asset. Synth needs no
    Docker (it stages the directory); `cdk deploy` builds the image with Docker and pushes it
    to the CDK bootstrap's asset repository (not to a repository of berth's)."""

    directory: str = Field(pattern=patterns.RELATIVE_DIRECTORY)
    """The build context, relative to the repository root, e.g. images/api."""
    dockerfile: str = Field(default="Dockerfile", pattern=patterns.FILE_NAME)
    """The Dockerfile's name inside `directory`."""

    @model_validator(mode="after")
    def _exists(self) -> BuildConfig:
        if ".." in self.directory.split("/"):
            raise ProblemsError([Problem("directory", "stays inside the repository: no '..'")])
        context = REPOSITORY_ROOT / self.directory
        if not (context / self.dockerfile).is_file():
            raise ProblemsError([Problem("directory", f"no {self.dockerfile} in {self.directory} (relative to the repository root)")])
        return self


class ImageConfig(ConfigModel):
    """A container image: from a repository that exists (`repository`), from one berth creates
    (`created_repository`, a name in `ecs.repositories`), or built from a Dockerfile (`build`);
    by tag or (better) by digest, except a built one.

    An ECR repository lets berth grant the execution role pull access to that repository
    only. A release can change the tag or digest without editing this file: the
    environment's image file (config/images/<env>.yaml, written by `make set-image`)
    overrides it.
    """

    repository: str | None = Field(default=None, pattern=patterns.IMAGE_REPOSITORY)
    """An existing repository, e.g. an ECR URI 111111111111.dkr.ecr.eu-west-1.amazonaws.com/app."""
    created_repository: Name | None = None
    """A repository berth creates: the name of one of `ecs.repositories`."""
    build: BuildConfig | None = None
    """Build the image from a Dockerfile in this repository at deploy time."""
    tag: str | None = Field(default=None, pattern=patterns.IMAGE_TAG)
    """An image tag; set this or `digest`."""
    digest: str | None = Field(default=None, pattern=patterns.IMAGE_DIGEST)
    """An image digest (sha256:...), immutable: preferred over a tag."""

    @model_validator(mode="after")
    def _one_reference(self) -> ImageConfig:
        sources = [f for f in ("repository", "created_repository", "build") if getattr(self, f) is not None]
        if len(sources) != 1:
            raise ProblemsError([Problem("repository", "set exactly one of 'repository', 'created_repository' or 'build'")])
        if self.build is not None:
            if self.tag is not None or self.digest is not None:
                raise ProblemsError([Problem("tag", "a built image is tagged by its content hash: remove tag and digest")])
        elif (self.tag is None) == (self.digest is None):
            raise ProblemsError([Problem("tag", "set exactly one of 'tag' or 'digest'")])
        return self


class SecretRef(ConfigModel):
    """A secret injected by ECS at start: from Secrets Manager (optionally one JSON key) or SSM."""

    secrets_manager_arn: str | None = Field(default=None, pattern=patterns.SECRET_ARN)
    """The complete ARN of a Secrets Manager secret (with its six-character suffix)."""
    json_key: str | None = None
    """One key of a JSON secret, instead of the whole secret string."""
    ssm_parameter: str | None = Field(default=None, pattern=patterns.SSM_PARAMETER)
    """The name of an SSM SecureString parameter, e.g. /app/token."""

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if (self.secrets_manager_arn is None) == (self.ssm_parameter is None):
            raise ProblemsError(
                [Problem("secrets_manager_arn", "set exactly one of 'secrets_manager_arn' (complete ARN) or 'ssm_parameter'")]
            )
        if self.json_key is not None and self.secrets_manager_arn is None:
            raise ProblemsError([Problem("json_key", "json_key applies only to a Secrets Manager secret")])
        return self


class HealthCheckConfig(ConfigModel):
    """The container's own health check (Docker HEALTHCHECK semantics)."""

    command: tuple[str, ...] = Field(
        min_length=1, description='e.g. ["CMD", "/app/healthcheck"] or ["CMD-SHELL", "curl -f localhost:8080/health"]'
    )
    interval_seconds: int = Field(default=30, ge=5, le=300)
    """Seconds between health checks."""
    timeout_seconds: int = Field(default=5, ge=2, le=120)
    """Seconds a check may take before it counts as failed."""
    retries: int = Field(default=3, ge=1, le=10)
    """Failed checks in a row before the container is unhealthy."""
    start_period_seconds: int = Field(default=30, ge=0, le=300)
    """Grace period after start during which failures do not count."""


class MountConfig(ConfigModel):
    """A volume of the task mounted in this container."""

    volume: Name
    """The volume's name (`task.volumes`)."""
    path: str = Field(pattern=patterns.CONTAINER_PATH)
    """Where it appears in the container, e.g. /shared."""
    read_only: bool = False
    """Mount it read-only."""


class DependsOnConfig(ConfigModel):
    """Start this container once another has reached a state."""

    container: Name
    """The other container: a sidecar's name, or the workload's name for the application container."""
    condition: Literal["START", "HEALTHY", "COMPLETE", "SUCCESS"] = "START"
    """START (it has started), HEALTHY (its health check passes), COMPLETE or SUCCESS (it exited;
    SUCCESS with status 0: for a non-essential container that runs once, e.g. a migration)."""


class _Container(ConfigModel):
    """What the application container and a sidecar both have."""

    image: ImageConfig
    """The container image."""
    command: tuple[str, ...] | None = None
    """Overrides the image's command."""
    user: str = Field(default="1000:1000", pattern=patterns.USER, description="Non-root user (uid[:gid]).")
    environment: dict[str, str] = Field(default_factory=dict, description="Plain, non-secret values only.")
    secrets: dict[str, SecretRef] = Field(default_factory=dict)
    """Environment variable name -> secret, injected by ECS at start (never in the task definition)."""
    mounts: tuple[MountConfig, ...] = ()
    """The task's volumes this container mounts."""
    depends_on: tuple[DependsOnConfig, ...] = ()
    """Containers of the task this one starts after."""

    @field_validator("user")
    @classmethod
    def _non_root(cls, value: str) -> str:
        if value.split(":", 1)[0] in {"0", "root"}:
            raise ValueError("containers run as a non-root user; use a uid other than 0")
        return value

    @field_validator("environment")
    @classmethod
    def _no_secrets_in_plain_env(cls, value: dict[str, str]) -> dict[str, str]:
        suspicious = sorted(k for k in value if _SECRET_NAME_HINT.search(k))
        if suspicious:
            raise ValueError(
                f"{', '.join(suspicious)} look like secrets; plain environment values are visible in the task "
                "definition: move them to 'secrets' (Secrets Manager or SSM SecureString)"
            )
        return value

    @field_validator("mounts")
    @classmethod
    def _one_mount_per_path(cls, value: tuple[MountConfig, ...]) -> tuple[MountConfig, ...]:
        paths = [m.path for m in value]
        if len(set(paths)) != len(paths):
            raise ValueError("two mounts at one path")
        return value


class ContainerConfig(_Container):
    """The application container."""

    port: int | None = Field(default=None, ge=1, le=65535)
    """The container port, for a load balancer or callers; none for a worker."""
    scratch_paths: tuple[Annotated[str, Field(pattern=patterns.CONTAINER_PATH)], ...] = ()
    """Writable, empty directories for a read-only root filesystem (e.g. /tmp), each a task-scoped
    volume that lives as long as the task."""
    health_check: HealthCheckConfig
    """How ECS tells the container is healthy."""
    gpus: int = Field(default=0, ge=0, le=64)
    """NVIDIA GPUs ECS pins to this container (a `GPU` resource requirement): the task runs only on an EC2
    capacity group whose instance type has at least that many (Fargate has none)."""

    @field_validator("scratch_paths")
    @classmethod
    def _unique_paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a scratch path is listed twice")
        return value


class SidecarConfig(_Container):
    """A further container of the task (a proxy, an agent, a one-off migration): hardened like
    the application's, logging to the task's log group under its own name."""

    name: Name
    """The container's name, unique in the task (not the workload's name)."""
    essential: bool = True
    """Stop the task when this container stops; false for one that runs and exits."""
    memory_mib: int = Field(ge=6, le=120000)
    """Its hard memory limit, taken out of the application container's (the task's memory less its sidecars')."""
    cpu: int = Field(default=0, ge=0, le=16384)
    """CPU units reserved for it; 0 shares the task's."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """A port it listens on, if any."""
    health_check: HealthCheckConfig | None = None
    """Its health check (needed for another container to wait until it is HEALTHY)."""


LOG_ROUTER_NAME = "log-router"
# FireLens's Fluent Bit listens on this port inside the task
# (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_firelens.html).
FIRELENS_PORT = 24224


class LogRouterConfig(ConfigModel):
    """A FireLens log router: a Fluent Bit container (named log-router) that the application
    container and the sidecars log through instead of straight to CloudWatch
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_firelens.html). It runs
    as root, which FireLens requires (aws/containers-roadmap#2122), with a read-only root
    filesystem, no port and its own logs in the task's log group."""

    image: ImageConfig
    """A Fluent Bit image: AWS for Fluent Bit, from a repository of yours (a mirror or an ECR pull-through cache)."""
    memory_mib: int = Field(default=64, ge=32, le=4096)
    """Its hard memory limit, taken out of the application container's."""
    firehose_delivery_stream_arn: str | None = Field(default=None, pattern=patterns.FIREHOSE_ARN)
    """Send the logs to this Firehose stream (on to S3, OpenSearch or a partner); unset, they go to the task's
    log group through Fluent Bit (which adds the task's ECS metadata to each record)."""


class EfsConfig(ConfigModel):
    """An EFS file system the tasks share: created by berth (encrypted with the environment's
    key, backed up, TLS and IAM only), or an existing one."""

    path: str = Field(default="/data", pattern=patterns.CONTAINER_PATH)
    """The access point's root directory: what the tasks see (created, owned by `uid`:`gid`)."""
    uid: int = Field(default=1000, ge=1, le=4294967295)
    """The POSIX user every file operation runs as (not root)."""
    gid: int = Field(default=1000, ge=0, le=4294967295)
    """The POSIX group."""
    existing_file_system_id: str | None = Field(default=None, pattern=patterns.EFS_ID)
    """Mount this file system instead of creating one (with the two fields below)."""
    existing_access_point_id: str | None = Field(default=None, pattern=patterns.EFS_ACCESS_POINT_ID)
    """The existing file system's access point the tasks mount through."""
    existing_security_group_id: str | None = Field(default=None, pattern=patterns.SECURITY_GROUP_ID)
    """The security group of its mount targets, which berth opens to the tasks on 2049."""

    @model_validator(mode="after")
    def _existing_complete(self) -> EfsConfig:
        given = [f for f in ("existing_file_system_id", "existing_access_point_id", "existing_security_group_id") if getattr(self, f)]
        if given and len(given) != 3:
            missing = sorted({"existing_file_system_id", "existing_access_point_id", "existing_security_group_id"} - set(given))
            raise ProblemsError([Problem(missing[0], f"an existing file system needs all three existing_* fields; missing {missing}")])
        return self


class VolumeConfig(ConfigModel):
    """A volume the task's containers mount: task-scoped (empty at start, gone with the task)
    unless `efs` is given."""

    name: Name
    """The volume's name, for the containers' `mounts`."""
    efs: EfsConfig | None = None
    """Files shared by every task of the service (and kept), on EFS."""


class TaskConfig(ConfigModel):
    """A task definition: one application container plus its size and identity."""

    cpu: int = Field(description="Task CPU units (Fargate sizes: 256, 512, 1024, 2048, 4096, 8192, 16384).")
    memory_mib: int = Field(ge=128)
    """Task memory in MiB (Fargate accepts fixed pairs with cpu)."""
    architecture: Architecture = "x86_64"
    """x86_64, or arm64 (Graviton)."""
    container: ContainerConfig
    """The application container."""
    sidecars: tuple[SidecarConfig, ...] = ()
    """Further containers of the task."""
    volumes: tuple[VolumeConfig, ...] = ()
    """Volumes the containers share (their `mounts`)."""
    log_router: LogRouterConfig | None = None
    """A FireLens log router the containers log through; unset, they log to the task's log group with awslogs."""
    permissions: tuple[Permission, ...] = Field(default=(), description="What the workload may do: its task role, nothing more.")
    log_retention_days: RetentionDays = 90
    """Days the container's log group keeps its logs."""

    def images(self) -> list[tuple[str, ImageConfig]]:
        """Every container's image, named as the reports name them: "" for the application
        container, "sidecars[<name>]", "log_router"."""
        images = [("", self.container.image), *((f"sidecars[{s.name}]", s.image) for s in self.sidecars)]
        return images + ([("log_router", self.log_router.image)] if self.log_router else [])


def container_problems(task: TaskConfig, workload: str) -> list[Problem]:
    """The checks across a task's containers and volumes; `workload` names the application container."""
    problems: list[Problem] = []
    containers: dict[str, _Container] = {workload: task.container}
    essential = {workload: True}
    healthy = {workload}
    for i, sidecar in enumerate(task.sidecars):
        if sidecar.name in containers:
            problems.append(Problem(f"task.sidecars[{i}].name", f"the task already has a container named {sidecar.name}"))
            continue
        containers[sidecar.name] = sidecar
        essential[sidecar.name] = sidecar.essential
        if sidecar.health_check is not None:
            healthy.add(sidecar.name)
    volumes = [v.name for v in task.volumes]
    if len(set(volumes)) != len(volumes):
        problems.append(Problem("task.volumes", "a volume name is used twice"))
    if task.log_router is not None:
        problems += _log_router_problems(task)
        essential[LOG_ROUTER_NAME] = True  # a container others may wait on (START), which never exits
    where = {workload: "task.container", **{s.name: f"task.sidecars[{i}]" for i, s in enumerate(task.sidecars)}}
    for name, container in containers.items():
        for j, mount in enumerate(container.mounts):
            if mount.volume not in volumes:
                problems.append(Problem(f"{where[name]}.mounts[{j}].volume", f"no volume named {mount.volume} in task.volumes"))
        for j, dependency in enumerate(container.depends_on):
            field = f"{where[name]}.depends_on[{j}]"
            target = dependency.container
            if target == name or target not in essential:
                allowed = ", ".join(sorted(c for c in essential if c != name)) or "none"
                problems.append(Problem(f"{field}.container", f"not another container of this task (its containers: {allowed})"))
            elif dependency.condition == "HEALTHY" and target not in healthy:
                problems.append(Problem(f"{field}.condition", f"{target} has no health check to become HEALTHY"))
            elif dependency.condition in ("COMPLETE", "SUCCESS") and essential[target]:
                problems.append(
                    Problem(f"{field}.condition", f"{target} is essential: {dependency.condition} applies to a container that exits")
                )
    return problems + _cycles(containers, where) + _memory_problems(task)


def _memory_problems(task: TaskConfig) -> list[Problem]:
    """The sidecars' and the log router's hard limits come out of the application container's."""
    others = sum(s.memory_mib for s in task.sidecars) + (task.log_router.memory_mib if task.log_router else 0)
    if not others or task.memory_mib - others >= APPLICATION_MIN_MEMORY_MIB:
        return []
    who = " and the ".join(w for w, present in (("sidecars", task.sidecars), ("log router", task.log_router)) if present)
    message = (
        f"the {who} take {others} of the task's {task.memory_mib} MiB; the application container "
        f"needs at least {APPLICATION_MIN_MEMORY_MIB} MiB: a larger task or smaller sidecars"
    )
    return [Problem("task.sidecars" if task.sidecars else "task.log_router.memory_mib", message)]


def _log_router_problems(task: TaskConfig) -> list[Problem]:
    """FireLens's own rules: its container's name is taken, and its port must stay free."""
    problems: list[Problem] = []
    for i, sidecar in enumerate(task.sidecars):
        if sidecar.name == LOG_ROUTER_NAME:
            problems.append(Problem(f"task.sidecars[{i}].name", f"{LOG_ROUTER_NAME} is the log router's name: choose another"))
    ports = [("task.container.port", task.container.port), *((f"task.sidecars[{i}].port", s.port) for i, s in enumerate(task.sidecars))]
    for field, port in ports:
        if port == FIRELENS_PORT:
            message = f"FireLens's log router listens on {FIRELENS_PORT} in the task (awsvpc: one network namespace): choose another port"
            problems.append(Problem(field, message, port, True))
    return problems


def _cycles(containers: dict[str, _Container], where: dict[str, str]) -> list[Problem]:
    """ECS refuses a task whose containers wait on each other in a circle."""
    graph = {name: [d.container for d in c.depends_on if d.container in containers] for name, c in containers.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return None
        for target in graph[name]:
            if cycle := visit(target, [*path, name]):
                return cycle
        done.add(name)
        return None

    for name in containers:
        if cycle := visit(name, []):
            return [Problem(f"{where[cycle[0]]}.depends_on", f"the containers wait on each other: {' -> '.join(cycle)}")]
    return []
