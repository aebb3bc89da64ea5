"""The typed, immutable shape of one environment's configuration.

Everything a stack needs is here, checked before any CDK object exists: field types and
ranges by pydantic, and the rules AWS enforces only at deploy time (Fargate sizes, Spot and
ARM64, provider mixes) by the validators below. Checks that need two fields live on the
smallest model that holds both, so that problems in different parts of a file are all
reported together.
"""

from __future__ import annotations

import difflib
import re
from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from config import patterns
from config.container_models import TaskConfig, container_problems
from config.eks_models import EksConfig
from config.errors import Problem, ProblemsError, duplicate_names, range_problems, run_checks
from config.ingress_models import DomainConfig, IngressesConfig, LoadBalancerConfig, RouteConfig, ingress_problems
from config.limits import (
    ANY_ZONE_LETTER,
    ECS_PLACEABLE_MEMORY_SHARE,
    FARGATE_MEMORY_BY_CPU,
    INTERFACE_ENDPOINT_SERVICES,
    REGIONS,
    ZONE_LETTERS,
    InstanceType,
    describe_fargate_memory,
    instance_architecture,
    instance_type,
    unknown_instance_type,
)
from config.types import FARGATE_PROVIDERS, ConfigModel, Name, Percent, Provider, RetentionDays

# Warnings an environment can accept (config/warnings.py says what each means).
WarningCode = Literal["other-account", "other-region", "overlapping-cidr", "other-environment-name", "spot-single-type"]


class Tags(ConfigModel):
    """Cost-allocation tags put on every resource. Extra tags go in `extra`."""

    project: str = Field(min_length=1, max_length=256)
    """The project tag on every resource (cost allocation)."""
    environment: str = Field(min_length=1, max_length=256)
    """The environment tag on every resource; usually the environment's name."""
    owner: str = Field(min_length=1, max_length=256)
    """The owning team, tagged on every resource: who to ask about it."""
    cost_center: str | None = Field(default=None, min_length=1, max_length=256)
    """The cost center tag, when the organization charges back by it."""
    extra: dict[str, str] = Field(default_factory=dict)
    """Further tags, key -> value, on every taggable resource."""


class ExistingNetworkConfig(ConfigModel):
    """A VPC berth does not create: its id and its subnets, one of each kind per availability zone.

    berth writes these ids where its other stacks read them (SSM parameters) and creates no VPC,
    subnet, route, NAT gateway, endpoint or flow log. Nothing is looked up at synth: `make
    preflight` checks that they exist and fit (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html,
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html)."""

    vpc_id: str = Field(pattern=patterns.VPC_ID)
    """The VPC's id; `network.cidr` is its (primary) CIDR block."""
    private_subnet_ids: tuple[Annotated[str, Field(pattern=patterns.SUBNET_ID)], ...]
    """One private subnet per availability zone, in `availability_zones` order: tasks, nodes, Fargate pods and internal load
    balancers. Private: no route to an internet gateway; egress through NAT (or endpoints only)."""
    public_subnet_ids: tuple[Annotated[str, Field(pattern=patterns.SUBNET_ID)], ...]
    """One public subnet per availability zone, in `availability_zones` order: internet-facing load balancers only."""


class NetworkConfig(ConfigModel):
    """VPC sizing. One public and one private (egress through NAT) subnet per AZ; or a VPC of your own (`existing`)."""

    cidr: IPv4Network = Field(description="VPC CIDR block, /16 to /24 (an existing VPC's: its primary CIDR block).")
    existing: ExistingNetworkConfig | None = None
    """A VPC berth does not create (its ids); the sizing fields below then do not apply and are refused."""
    public_subnet_mask: int = Field(default=24, ge=16, le=28)
    """Prefix length of each public subnet (load balancers and NAT gateways only)."""
    private_subnet_mask: int = Field(default=20, ge=16, le=28)
    """Prefix length of each private subnet (tasks, nodes, endpoints: one address each)."""
    nat_gateways: int | None = Field(
        default=None, ge=1, le=6, description="1 saves cost (dev); one per AZ survives an AZ outage (prod). Required unless `existing`."
    )
    flow_log_retention_days: RetentionDays = 90
    """Days CloudWatch Logs keeps the VPC flow logs."""
    interface_endpoints: tuple[str, ...] = Field(
        default=(
            "ecr.api",
            "ecr.dkr",
            "logs",
            "secretsmanager",
            "ssm",
            "ssmmessages",
            "kms",
            "sts",
            "monitoring",
            "ecs",
            "ecs-agent",
            "ecs-telemetry",
            "ec2messages",
        ),
        description="Interface VPC endpoints to create (AWS service names). An S3 gateway endpoint is always created.",
    )

    @field_validator("cidr", mode="before")
    @classmethod
    def _cidr_syntax(cls, value: object) -> object:
        """Say what is wrong with a CIDR, not just that it is invalid."""
        if not isinstance(value, str):
            return value
        try:
            IPv4Network(value)
        except ValueError as exc:
            hint = ""
            if "host bits set" in str(exc):
                hint = f"; the network address is {IPv4Network(value, strict=False)}"
            raise ValueError(f"not a valid IPv4 CIDR block like 10.0.0.0/16: {exc}{hint}") from None
        return value

    @field_validator("cidr")
    @classmethod
    def _cidr_size(cls, value: IPv4Network) -> IPv4Network:
        if not 16 <= value.prefixlen <= 24:
            raise ValueError(f"VPC CIDR must be between /16 and /24, not /{value.prefixlen}")
        return value

    @field_validator("interface_endpoints")
    @classmethod
    def _known_endpoints(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in INTERFACE_ENDPOINT_SERVICES]
        if unknown:
            raise ValueError(f"unknown interface endpoint(s) {unknown}; allowed: {', '.join(INTERFACE_ENDPOINT_SERVICES)}")
        if len(set(value)) != len(value):
            raise ValueError("interface endpoints are listed twice")
        return value

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkConfig:
        problems = [
            Problem(name, f"a /{mask} subnet does not fit in the VPC CIDR {self.cidr}", mask, True)
            for name, mask in (("public_subnet_mask", self.public_subnet_mask), ("private_subnet_mask", self.private_subnet_mask))
            if mask < self.cidr.prefixlen
        ]
        if problems:
            raise ProblemsError(problems)
        return self


class AlarmsConfig(ConfigModel):
    """Where alarms go: one KMS-encrypted SNS topic per environment."""

    email_subscriptions: tuple[Annotated[str, Field(pattern=patterns.EMAIL)], ...] = ()
    """E-mail addresses subscribed to the alarm topic (each confirms once by e-mail)."""


class AmiConfig(ConfigModel):
    """The AMI of the container instances: pinned by id, or tracked as an explicit choice.

    Tracking resolves AWS's recommended ECS-optimized image through an SSM parameter at
    deploy time: each new release then replaces every instance at the next deploy (an
    instance refresh, which ECS managed draining turns into task draining).
    """

    id: str | None = Field(default=None, pattern=patterns.AMI_ID)
    """A pinned AMI id for the container instances: a new image is a reviewed change of this line."""
    track_latest: bool = False
    """Track AWS's recommended ECS-optimized image instead of pinning one; each release replaces every instance at the next deploy."""

    @model_validator(mode="after")
    def _one_choice(self) -> AmiConfig:
        if (self.id is None) == (not self.track_latest):
            raise ProblemsError([Problem("id", "set exactly one of 'id' (a pinned AMI) or 'track_latest: true'")])
        return self


class Ec2CapacityConfig(ConfigModel):
    """An Auto Scaling group capacity provider: container instances running the ECS agent.

    An instance type with NVIDIA GPUs gets AWS's GPU AMI (the ECS GPU-optimized Amazon Linux
    2023, x86_64 only; or Bottlerocket's aws-ecs-2-nvidia variant), whose drivers and NVIDIA
    container runtime let ECS pin GPUs to containers
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-gpu.html).
    """

    os: Literal["al2023", "bottlerocket"] = "al2023"
    """al2023 (ECS-optimized Amazon Linux 2023) or bottlerocket."""
    ami: AmiConfig
    """Which AMI the container instances run: pinned by id, or tracked."""
    instance_type: str = Field(description="An EC2 instance type such as m7g.large (or g5.xlarge for NVIDIA GPUs).")
    min_capacity: int = Field(ge=0, le=1000)
    """Fewest container instances in the Auto Scaling group."""
    max_capacity: int = Field(ge=1, le=1000)
    """Most container instances in the Auto Scaling group."""
    root_volume_gib: int = Field(default=30, ge=8, le=16384, description="OS volume (AL2023) or the data volume (Bottlerocket).")
    target_capacity_percent: Percent = 90
    """Managed scaling's target: the share of instance capacity tasks may use before it adds instances."""
    instance_warmup_seconds: int = Field(default=180, ge=0, le=10000)
    """Seconds before a new instance counts in scaling metrics and in an instance refresh."""

    @property
    def architecture(self) -> str:
        return instance_architecture(self.instance_type)

    @property
    def gpus(self) -> int:
        """NVIDIA GPUs per instance (0 for a standard type)."""
        known = instance_type(self.instance_type)
        return known.accelerators if known is not None and known.accelerator == "nvidia" else 0

    @field_validator("instance_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        known = instance_type(value)
        if known is None:
            raise ValueError(unknown_instance_type(value))
        if known.accelerator not in (None, "nvidia"):
            raise ValueError(
                f"{known.describe()}: ECS container instances in berth run standard or NVIDIA GPU AMIs; "
                f"{known.accelerator} accelerators are not supported yet (docs/not-supported.md): choose a standard or NVIDIA type"
            )
        return value

    @model_validator(mode="after")
    def _range(self) -> Ec2CapacityConfig:
        problems = range_problems(self, "min_capacity", "max_capacity")
        if self.gpus and self.os == "al2023" and self.architecture == "arm64":
            message = (
                f"{self.instance_type} is an arm64 GPU type and the ECS GPU-optimized Amazon Linux 2023 AMI is x86_64 only: "
                "choose an x86_64 GPU type (g6, g5, g4dn, p5, ...) or os: bottlerocket (its aws-ecs-2-nvidia variant runs on arm64)"
            )
            problems.append(Problem("instance_type", message, self.instance_type, True))
        if problems:
            raise ProblemsError(problems)
        return self


class Ec2CapacityGroupConfig(Ec2CapacityConfig):
    """A further capacity provider beside `ec2_capacity`, named in capacity-provider strategies by its
    name: another architecture, instance size or a GPU type."""

    name: Name
    """The group's name: what a workload's `capacity_provider_strategy` names as its provider."""


class ExecConfig(ConfigModel):
    """ECS Exec on the cluster: sessions are encrypted with the platform key and logged."""

    log_retention_days: RetentionDays = 365
    """Days the ECS Exec audit log (every session's commands) is kept."""


class EcsClusterConfig(ConfigModel):
    ec2_capacity: Ec2CapacityConfig
    """The EC2 capacity provider's container instances: provider EC2 in a strategy."""
    ec2_capacity_groups: tuple[Ec2CapacityGroupConfig, ...] = ()
    """Further Auto Scaling group capacity providers (e.g. an x86_64 GPU group beside a Graviton one), each
    named by its name in a strategy."""
    exec: ExecConfig = ExecConfig()
    """ECS Exec's session encryption and audit log."""

    @model_validator(mode="after")
    def _unique_groups(self) -> EcsClusterConfig:
        if problems := duplicate_names("ec2_capacity_groups", "capacity group", [g.name for g in self.ec2_capacity_groups]):
            raise ProblemsError(problems)
        return self

    @property
    def ec2_groups(self) -> dict[str, Ec2CapacityConfig]:
        """Provider name -> its group: EC2 is `ec2_capacity`, the others their names."""
        return {"EC2": self.ec2_capacity, **{g.name: g for g in self.ec2_capacity_groups}}


class CapacityProviderItem(ConfigModel):
    provider: Provider
    """FARGATE, FARGATE_SPOT, EC2 (the cluster's `ec2_capacity`), or the name of one of its `ec2_capacity_groups`."""
    base: int = Field(default=0, ge=0, le=100000)
    """Tasks placed on this provider first, before the weights apply."""
    weight: int = Field(default=1, ge=0, le=1000)
    """This provider's share of the tasks beyond the base."""


class ScheduledScaling(ConfigModel):
    name: Name
    """The scheduled action's name."""
    schedule: str = Field(pattern=patterns.CRON, description="cron(min hour day month weekday year), UTC.")
    min_tasks: int = Field(ge=0)
    """Fewest tasks while this schedule applies."""
    max_tasks: int = Field(ge=0)
    """Most tasks while this schedule applies."""


class AutoscalingConfig(ConfigModel):
    min_tasks: int = Field(ge=0, le=5000)
    """Fewest tasks autoscaling keeps."""
    max_tasks: int = Field(ge=1, le=5000)
    """Most tasks autoscaling adds."""
    cpu_target_percent: Percent | None = 70
    """Target-tracking on average CPU; null turns it off."""
    memory_target_percent: Percent | None = 80
    """Target-tracking on average memory; null turns it off."""
    requests_per_target: int | None = Field(default=None, ge=1, description="ALB requests per target per minute (web services only).")
    backlog_per_task: int | None = Field(default=None, ge=1, le=100000)
    """Target-tracking on the service's `queue`: messages waiting per running task."""
    schedules: tuple[ScheduledScaling, ...] = ()
    """Scheduled ranges (e.g. fewer tasks at night)."""

    @model_validator(mode="after")
    def _ranges(self) -> AutoscalingConfig:
        problems = range_problems(self, "min_tasks", "max_tasks")
        for i, s in enumerate(self.schedules):
            problems += range_problems(s, "min_tasks", "max_tasks", f"schedules[{i}].")
        if problems:
            raise ProblemsError(problems)
        return self


def _fargate_size_problems(task: TaskConfig) -> list[Problem]:
    if task.cpu not in FARGATE_MEMORY_BY_CPU:
        allowed = ", ".join(str(c) for c in FARGATE_MEMORY_BY_CPU)
        return [Problem("task.cpu", f"Fargate offers no such CPU size; allowed: {allowed}", task.cpu, True)]
    if task.memory_mib not in FARGATE_MEMORY_BY_CPU[task.cpu]:
        allowed = describe_fargate_memory(task.cpu)
        message = f"Fargate does not offer {task.memory_mib} MiB with {task.cpu} CPU units; allowed: {allowed}"
        return [Problem("task.memory_mib", message, task.memory_mib, True)]
    return []


def _fits_on(task: TaskConfig, host: InstanceType, field: str) -> list[Problem]:
    """An EC2 task must fit on one container instance, or ECS never places it."""
    problems = []
    if task.cpu > host.vcpus * 1024:
        message = f"the task needs {task.cpu} CPU units; {host.describe()} offers {host.vcpus * 1024}: choose a larger instance_type"
        problems.append(Problem(f"{field}.cpu", message, task.cpu, True))
    placeable = int(host.memory_mib * ECS_PLACEABLE_MEMORY_SHARE)
    if task.memory_mib > placeable:
        message = (
            f"the task needs {task.memory_mib} MiB; ECS can place at most about {placeable} MiB on {host.describe()} "
            "(the agent registers less than the nominal memory): choose a larger instance_type or a smaller task"
        )
        problems.append(Problem(f"{field}.memory_mib", message, task.memory_mib, True))
    return problems


class EgressConfig(ConfigModel):
    """One destination a workload calls: a network and a port."""

    cidr: IPv4Network
    """The destination network, e.g. a database subnet 10.0.32.0/20."""
    port: int = Field(ge=1, le=65535)
    """The destination port."""
    protocol: Literal["tcp", "udp"] = "tcp"
    """tcp or udp."""
    description: str = Field(min_length=3, max_length=255)
    """What is called there, e.g. "orders database (PostgreSQL)": shown in the security group rule."""


class Workload(ConfigModel):
    """What every ECS workload has: a name, a task and where it runs."""

    name: Name
    """The workload's name: its ECS service name and part of every resource name."""
    task: TaskConfig
    """The task definition: its container, size and permissions."""
    capacity_provider_strategy: tuple[CapacityProviderItem, ...] = Field(
        min_length=1, description="FARGATE / FARGATE_SPOT (base and weights), or EC2 capacity groups (EC2 and named groups)."
    )
    egress: tuple[EgressConfig, ...] = ()
    """What the tasks call besides AWS's APIs (HTTPS to AWS is always allowed): one rule each."""
    open_egress_reason: str | None = Field(default=None, min_length=20)
    """Allow all outbound traffic, for this reason (it lands in COMPLIANCE.md); unset, the tasks
    may reach only AWS's APIs over HTTPS and what `egress` lists."""

    @property
    def on_ec2(self) -> bool:
        return bool(self.ec2_providers)

    @property
    def ec2_providers(self) -> tuple[str, ...]:
        """The EC2 capacity groups of the strategy, by provider name (EC2 or a group's name)."""
        return tuple(item.provider for item in self.capacity_provider_strategy if item.provider not in FARGATE_PROVIDERS)

    @field_validator("capacity_provider_strategy")
    @classmethod
    def _strategy(cls, strategy: tuple[CapacityProviderItem, ...], info: ValidationInfo) -> tuple[CapacityProviderItem, ...]:
        """A field validator (not a model validator) so that it runs even when other fields of
        the same workload are wrong; the task, validated earlier, gives the architecture."""
        problems: list[str] = []
        providers = [item.provider for item in strategy]
        if len(set(providers)) != len(providers):
            problems.append("each capacity provider may appear once")
        fargate = [p for p in providers if p in FARGATE_PROVIDERS]
        if fargate and len(fargate) != len(providers):
            problems.append("a capacity-provider strategy cannot mix Fargate and EC2 providers")
        task = info.data.get("task")
        if task is not None and task.architecture == "arm64" and "FARGATE_SPOT" in providers:
            problems.append("Fargate Spot does not run ARM64 tasks; use FARGATE, or an x86_64 task")
        if sum(1 for item in strategy if item.base > 0) > 1:
            problems.append("only one capacity provider in a strategy may have a base")
        if strategy and all(item.weight == 0 for item in strategy):
            problems.append("at least one capacity provider needs a weight above 0")
        if problems:
            raise ValueError("; ".join(problems))
        return strategy

    @model_validator(mode="after")
    def _fargate_size(self) -> Workload:
        # aws-cdk-lib does not check the pair; Fargate refuses it only at deploy time.
        problems = [] if self.on_ec2 else _fargate_size_problems(self.task)
        if self.task.container.gpus and not self.on_ec2:
            message = "Fargate has no GPUs: run this workload on an EC2 capacity group with an NVIDIA GPU instance type"
            problems.append(Problem("task.container.gpus", message, self.task.container.gpus, True))
        problems += container_problems(self.task, self.name)
        if problems:
            raise ProblemsError(problems)
        return self


class ConnectConfig(ConfigModel):
    """Service Connect: the service joins the environment's Cloud Map namespace (berth-<env>)
    and reaches the other members by name, through the proxy ECS runs in its tasks."""

    callers: tuple[Name, ...] = ()
    """Services that call this one at <name>:<port>; its security group admits exactly them.
    Empty: it only calls others."""
    access_logs: bool = True
    """The proxy's access logs (JSON) in the task's log group."""


def connect_problems(services: tuple[ServiceConfig, ...]) -> list[Problem]:
    members = {s.name for s in services if s.connect is not None}
    problems = []
    for i, s in enumerate(services):
        if s.connect is None:
            continue
        if s.connect.callers and s.task.container.port is None:
            problems.append(Problem(f"services[{i}].connect.callers", "a service others call needs a container port"))
        for caller in s.connect.callers:
            if caller == s.name:
                problems.append(Problem(f"services[{i}].connect.callers", f"{caller} is this service"))
            elif caller not in members:
                known = ", ".join(sorted(m for m in members if m != s.name)) or "none"
                message = f"{caller} is not a service with `connect` (those that have it: {known}); give it `connect: {{}}`"
                problems.append(Problem(f"services[{i}].connect.callers", message))
        if len(set(s.connect.callers)) != len(s.connect.callers):
            problems.append(Problem(f"services[{i}].connect.callers", "a caller is listed twice"))
    return problems


class DeploymentConfig(ConfigModel):
    """How a new task definition reaches production (ECS's deployment strategies). rolling
    replaces tasks in place; blue_green starts the new revision beside the old, moves all
    traffic at once and keeps the old for `bake_minutes` to roll back to; canary moves
    `percent` first and the rest after `step_bake_minutes`; linear moves `percent` at a time.
    The circuit breaker and the deployment alarms roll back every strategy."""

    strategy: Literal["rolling", "blue_green", "canary", "linear"] = "rolling"
    """rolling, blue_green (a route, or no load balancer), canary or linear (a route: traffic shifts through its listener rule)."""
    bake_minutes: int = Field(default=5, ge=0, le=1440)
    """Minutes the old revision is kept, ready to take the traffic back, once the new has it all."""
    percent: float = Field(default=10, ge=0.1, le=100)
    """canary: the share of traffic the new revision takes first; linear: the share moved at each step (3 to 100)."""
    step_bake_minutes: int = Field(default=5, ge=0, le=1440)
    """canary and linear: minutes between traffic shifts."""
    test_traffic_header: bool = False
    """Requests with the header `X-Berth-Test: green` reach the new revision before production traffic does (needs a route)."""


class ServiceConfig(Workload):
    """A long-running ECS service: a web service (with `load_balancer`) or a worker."""

    desired_count: int = Field(ge=0, le=5000)
    """Tasks at the first deploy (autoscaling moves it afterwards)."""
    autoscaling: AutoscalingConfig
    """Task-count scaling."""
    load_balancer: LoadBalancerConfig | None = None
    """A public load balancer of its own in front: makes this a web service."""
    route: RouteConfig | None = None
    """A listener rule on a shared load balancer (`ecs.ingress`) instead: makes this a web service."""
    queue: QueueConfig | None = None
    """An SQS queue the tasks consume (a queue worker); scale on it with `autoscaling.backlog_per_task`."""
    deployment: DeploymentConfig = DeploymentConfig()
    """How a new revision reaches production: rolling (the default), blue_green, canary or linear."""
    connect: ConnectConfig | None = None
    """Service Connect: call other services by name, and be called by `callers`."""
    enable_execute_command: bool = Field(
        default=False, description="ECS Exec for this service (mounts the agent's paths; root stays read-only)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> ServiceConfig:
        run_checks(
            self,
            _desired_within_autoscaling,
            _one_way_in,
            _request_scaling_needs_load_balancer,
            _load_balancer_needs_port,
            _backlog_needs_queue,
            _deployment_fits,
        )
        return self

    @property
    def hosts(self) -> tuple[str, ...]:
        """The host names it answers, on its route or its own load balancer."""
        return self.route.hosts if self.route else self.load_balancer.hosts if self.load_balancer else ()

    @property
    def web(self) -> bool:
        """Behind a load balancer, its own or a shared one."""
        return self.load_balancer is not None or self.route is not None


def _desired_within_autoscaling(s: ServiceConfig) -> list[Problem]:
    a = s.autoscaling
    if a.min_tasks <= s.desired_count <= a.max_tasks:
        return []
    allowed = f"[min_tasks, max_tasks] = [{a.min_tasks}, {a.max_tasks}]"
    return [Problem("desired_count", f"desired_count must be within autoscaling {allowed}", s.desired_count, True)]


def _one_way_in(s: ServiceConfig) -> list[Problem]:
    if s.load_balancer is not None and s.route is not None:
        return [Problem("route", "a service has its own load_balancer or a route on a shared one, not both")]
    return []


def _request_scaling_needs_load_balancer(s: ServiceConfig) -> list[Problem]:
    if s.autoscaling.requests_per_target is not None and not s.web:
        return [Problem("autoscaling.requests_per_target", "request-count scaling needs a load_balancer or a route (web services only)")]
    return []


def _backlog_needs_queue(s: ServiceConfig) -> list[Problem]:
    problems = []
    if s.autoscaling.backlog_per_task is not None and s.queue is None:
        problems.append(Problem("autoscaling.backlog_per_task", "backlog scaling needs the service's `queue`"))
    if s.queue is not None and "QUEUE_URL" in s.task.container.environment:
        problems.append(Problem("task.container.environment", "QUEUE_URL is set by berth to the service's queue: remove it"))
    return problems


def _load_balancer_needs_port(s: ServiceConfig) -> list[Problem]:
    if s.web and s.task.container.port is None:
        return [Problem("task.container.port", "a web service behind a load balancer needs a container port")]
    return []


def _deployment_fits(s: ServiceConfig) -> list[Problem]:
    d, problems = s.deployment, []
    shifts = d.strategy in ("canary", "linear")
    if d.strategy != "rolling" and s.load_balancer is not None:
        problems.append(
            Problem(
                "deployment.strategy",
                f"{d.strategy} rewrites a listener rule; a load balancer of the service's own has none: "
                "give the service a `route` on ecs.ingress",
            )
        )
    elif shifts and s.route is None:
        problems.append(Problem("deployment.strategy", f"{d.strategy} shifts traffic through a listener rule: it needs a `route`"))
    if d.test_traffic_header and (s.route is None or d.strategy == "rolling"):
        problems.append(Problem("deployment.test_traffic_header", "test traffic needs a route and a strategy other than rolling"))
    if d.strategy == "linear" and d.percent < 3:
        problems.append(Problem("deployment.percent", "a linear step moves 3 to 100 percent", d.percent, True))
    if not shifts:
        problems += [
            Problem(f"deployment.{f}", f"applies to canary and linear only, not {d.strategy}")
            for f in ("percent", "step_bake_minutes")
            if f in d.model_fields_set
        ]
    return problems


class QueueConfig(ConfigModel):
    """An SQS queue the service consumes: created by berth (with a dead-letter queue, the
    environment's key, TLS only) or an existing one. Its URL is in the container's QUEUE_URL."""

    existing_arn: str | None = Field(default=None, pattern=patterns.SQS_ARN)
    """Consume this existing queue instead of creating one."""
    existing_key_arn: str | None = Field(default=None, pattern=patterns.KMS_KEY_ARN)
    """The existing queue's KMS key, when it is encrypted with one (the tasks need kms:Decrypt)."""
    visibility_timeout_seconds: int = Field(default=60, ge=0, le=43200)
    """Seconds a received message stays hidden: longer than the work on one message."""
    retention_days: int = Field(default=4, ge=1, le=14)
    """Days an unprocessed message is kept."""
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    """Receives before a message moves to the dead-letter queue."""

    @model_validator(mode="after")
    def _existing(self) -> QueueConfig:
        problems = []
        if self.existing_key_arn is not None and self.existing_arn is None:
            problems.append(Problem("existing_key_arn", "applies to an existing queue: set existing_arn too"))
        if self.existing_arn is not None:
            problems += [
                Problem(field, "applies to a queue berth creates; an existing queue keeps its own settings")
                for field in ("visibility_timeout_seconds", "retention_days", "max_receive_count")
                if field in self.model_fields_set
            ]
        if problems:
            raise ProblemsError(problems)
        return self


class ScheduledTaskConfig(Workload):
    """A task that EventBridge launches on a schedule and that stops when its work is done."""

    schedule: str = Field(pattern=patterns.SCHEDULE, description="cron(...) or rate(...) expression, UTC.")


class RepositoryConfig(ConfigModel):
    """An ECR repository berth creates, named berth/<env>/<name>: scan on push, immutable tags,
    encrypted with the environment's key, old images expired."""

    name: Name
    """The name images refer to (`image.created_repository`)."""
    keep_images: int = Field(default=30, ge=1, le=1000)
    """Tagged images kept; older ones expire (a deployed one must be among them)."""
    untagged_days: int = Field(default=7, ge=1, le=365)
    """Days an untagged image (a layer of a replaced tag, a failed push) is kept."""


class EcsConfig(ConfigModel):
    cluster: EcsClusterConfig
    """The ECS cluster and its EC2 capacity."""
    domain: DomainConfig | None = None
    """The Route 53 hosted zone of the services' host names (certificates and alias records)."""
    ingress: IngressesConfig = IngressesConfig()
    """Load balancers shared by services through listener rules (a service's `route`)."""
    repositories: tuple[RepositoryConfig, ...] = ()
    """ECR repositories berth creates for the services' images."""
    services: tuple[ServiceConfig, ...] = Field(min_length=1)
    """Long-running services: web services and workers."""
    scheduled_tasks: tuple[ScheduledTaskConfig, ...] = ()
    """Tasks EventBridge runs on a schedule."""

    @model_validator(mode="after")
    def _across_workloads(self) -> EcsConfig:
        problems = duplicate_names("services", "workload", [w.name for w in (*self.services, *self.scheduled_tasks)])
        problems += ingress_problems(self.ingress, self.domain, self.services)
        problems += connect_problems(self.services)
        problems += _repository_problems(self)
        for kind, workloads in (("services", self.services), ("scheduled_tasks", self.scheduled_tasks)):
            for i, w in enumerate(workloads):
                problems += _placement_problems(w, self.cluster.ec2_groups, f"{kind}[{i}]")
        if problems:
            raise ProblemsError(problems)
        return self


def _placement_problems(workload: Workload, groups: dict[str, Ec2CapacityConfig], field: str) -> list[Problem]:
    """Each EC2 group a workload names must exist and be able to run its task: the same
    architecture, room for its CPU and memory, and as many GPUs as its container asks for."""
    problems: list[Problem] = []
    for j, item in enumerate(workload.capacity_provider_strategy):
        if item.provider in FARGATE_PROVIDERS:
            continue
        group = groups.get(item.provider)
        if group is None:
            known = ", ".join(groups)
            message = f"no EC2 capacity group {item.provider} (EC2 is ecs.cluster.ec2_capacity, the others ec2_capacity_groups: {known})"
            problems.append(Problem(f"{field}.capacity_provider_strategy[{j}].provider", message, item.provider, True))
            continue
        host = instance_type(group.instance_type)
        assert host is not None  # the capacity's validator refuses unknown types
        task = workload.task
        if task.architecture != host.architecture:
            instances = f"{host.architecture} instances ({group.instance_type})"
            message = f"capacity provider {item.provider} runs {instances}; this task is {task.architecture}"
            problems.append(Problem(f"{field}.task.architecture", message))
        problems += _fits_on(task, host, f"{field}.task")
        if task.container.gpus > group.gpus:
            offers = f"{group.gpus} NVIDIA GPU{'s' if group.gpus > 1 else ''}" if group.gpus else "no GPUs"
            message = (
                f"the container asks for {task.container.gpus} GPUs; capacity provider {item.provider} runs {host.describe()}, "
                f"which has {offers}: ECS would never place the task"
            )
            problems.append(Problem(f"{field}.task.container.gpus", message, task.container.gpus, True))
    return problems


def _repository_problems(ecs: EcsConfig) -> list[Problem]:
    names = [r.name for r in ecs.repositories]
    problems = duplicate_names("repositories", "repository", names)
    for kind, workloads in (("services", ecs.services), ("scheduled_tasks", ecs.scheduled_tasks)):
        for i, w in enumerate(workloads):
            images = [("task.container.image", w.task.container.image)]
            images += [(f"task.sidecars[{j}].image", s.image) for j, s in enumerate(w.task.sidecars)]
            images += [("task.log_router.image", w.task.log_router.image)] if w.task.log_router else []
            for field, image in images:
                if image.created_repository is not None and image.created_repository not in names:
                    known = ", ".join(names) or "none"
                    message = f"no repository {image.created_repository} in ecs.repositories (it has: {known})"
                    problems.append(Problem(f"{kind}[{i}].{field}.created_repository", message))
    return problems


class GitHubConfig(ConfigModel):
    """Deploys from GitHub Actions without long-lived keys: an OIDC identity provider for GitHub
    in the account and a deploy role only this repository's jobs in one GitHub environment may
    assume (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services)."""

    repository: str = Field(pattern=patterns.GITHUB_REPOSITORY)
    """The repository whose workflow deploys (owner/name)."""
    environment: str | None = Field(default=None, pattern=patterns.GITHUB_ENVIRONMENT)
    """The GitHub environment the deploy job runs in (its protection rules: reviewers, branches); unset: this
    environment's name. Only a job in it may assume the role."""
    create_oidc_provider: bool = True
    """Create the account's GitHub OIDC provider (one per account: set false for the second environment in an account,
    which then uses the first one's)."""


class PlatformConfig(ConfigModel):
    """One environment of the berth platform (dev, prod, ...)."""

    model_config = ConfigDict(title="berth environment", frozen=True, extra="forbid", str_strip_whitespace=True)

    name: Name = Field(description="Environment name; prefixes stack names.")
    account: str = Field(pattern=patterns.ACCOUNT, description="12-digit AWS account id (quoted in YAML).")
    region: str = Field(pattern=patterns.REGION)
    """The AWS region, e.g. eu-west-1."""
    availability_zones: tuple[str, ...] = Field(min_length=2, max_length=6, description="Explicit AZs: synth never looks them up.")
    removal_policy: Literal["retain", "destroy"] = Field(
        default="retain", description="What happens to keys, log groups and buckets when their stack is deleted."
    )
    permissions_boundary: str | None = Field(
        default=None,
        pattern=patterns.POLICY_ARN,
        description="ARN of a managed policy set as the permissions boundary of every role berth creates.",
    )
    accept_warnings: tuple[WarningCode, ...] = Field(
        default=(), description="Warnings this environment means to have (e.g. other-account for a cross-account admin role)."
    )
    tags: Tags
    """Cost-allocation tags on every resource."""
    network: NetworkConfig
    """The VPC."""
    alarms: AlarmsConfig = AlarmsConfig()
    """Where alarms go."""
    ecs: EcsConfig
    """The ECS platform."""
    eks: EksConfig | None = Field(default=None, description="An EKS cluster for this environment (optional).")
    github: GitHubConfig | None = None
    """Deploy from GitHub Actions with short-lived credentials (a stack of its own, berth-<name>-github)."""

    @property
    def github_deploy_role_name(self) -> str:
        """The GitHub deploy role's fixed name (berth-<env>-github-deploy): the stack creates it
        under this name and the deploy workflow assumes it by it."""
        return f"berth-{self.name}-github-deploy"

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in REGIONS:
            family = sorted(r for r in REGIONS if r.rsplit("-", 1)[0] == value.rsplit("-", 1)[0])
            close = family or difflib.get_close_matches(value, REGIONS, n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise ValueError(f"no AWS region has this name{hint} (config/data/aws.json lists the {len(REGIONS)} regions botocore knows)")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _zones_in_region(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        problems = []
        # A letter no region has is wrong whatever the region (AZ letters map to zones per
        # account: the account's own list is `make preflight`'s to check).
        lettered = [az for az in value if az[-1:] not in ANY_ZONE_LETTER]
        if lettered:
            problems.append(f"{lettered}: no AWS region has a zone with that letter (letters in use: {', '.join(ANY_ZONE_LETTER)})")
        region = info.data.get("region")  # None when the region itself is wrong: reported on its own
        if region is not None:
            bad = [az for az in value if az not in lettered and not re.fullmatch(re.escape(region) + r"[a-z]", az)]
            if bad:
                letters = ZONE_LETTERS.get(region, "abc")
                examples = ", ".join(f"{region}{letter}" for letter in letters)
                problems.append(f"availability zones {bad} are not in region {region}; its zones: {examples}")
        if len(set(value)) != len(value):
            problems.append("an availability zone is listed twice")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @model_validator(mode="after")
    def _network_fits_zones(self) -> PlatformConfig:
        if self.network.existing is not None:
            run_checks(self, _existing_network)
            return self
        problems: list[Problem] = []
        if self.network.nat_gateways is None:
            raise ProblemsError([Problem("network.nat_gateways", "required for the VPC berth creates (or give network.existing)")])
        if self.network.nat_gateways > len(self.availability_zones):
            problems.append(
                Problem(
                    "network.nat_gateways",
                    f"more NAT gateways than availability zones ({len(self.availability_zones)})",
                    self.network.nat_gateways,
                    True,
                )
            )
        zones = len(self.availability_zones)
        needed = zones * (2 ** (32 - self.network.public_subnet_mask) + 2 ** (32 - self.network.private_subnet_mask))
        if needed > self.network.cidr.num_addresses:
            problems.append(
                Problem(
                    "network.cidr",
                    f"{zones} public /{self.network.public_subnet_mask} and {zones} private /{self.network.private_subnet_mask} subnets "
                    f"need {needed} addresses; {self.network.cidr} has {self.network.cidr.num_addresses}",
                    str(self.network.cidr),
                    True,
                )
            )
        if problems:
            raise ProblemsError(problems)
        return self


# What sizes the VPC berth creates: meaningless for a VPC that exists.
_CREATED_NETWORK_FIELDS = ("nat_gateways", "public_subnet_mask", "private_subnet_mask", "flow_log_retention_days", "interface_endpoints")


def _existing_network(c: PlatformConfig) -> list[Problem]:
    """One subnet of each kind per zone, each named once, and no field that sizes a VPC berth would create."""
    existing = c.network.existing
    assert existing is not None
    problems = [
        Problem(f"network.{name}", "sizes the VPC berth creates; with network.existing, leave it out", getattr(c.network, name), True)
        for name in _CREATED_NETWORK_FIELDS
        if name in c.network.model_fields_set
    ]
    zones = len(c.availability_zones)
    for kind in ("private_subnet_ids", "public_subnet_ids"):
        ids = getattr(existing, kind)
        if len(ids) != zones:
            message = f"one subnet per availability zone, in their order ({', '.join(c.availability_zones)}): {zones}, not {len(ids)}"
            problems.append(Problem(f"network.existing.{kind}", message, list(ids), True))
    everything = [*existing.private_subnet_ids, *existing.public_subnet_ids]
    twice = sorted({s for s in everything if everything.count(s) > 1})
    if twice:
        problems.append(Problem("network.existing", f"a subnet named twice: {', '.join(twice)}"))
    return problems
