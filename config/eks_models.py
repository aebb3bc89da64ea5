"""The typed shape of an environment's EKS cluster (the optional `eks:` section).

Kept beside models.py, which imports it: one concern a module. The same rules apply: the
models are immutable, unknown fields are errors, and checks that need two fields live on
the smallest model that holds both, so problems in different parts are reported together.
"""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from config import patterns
from config.errors import Problem, ProblemsError, duplicate_names, range_problems, run_checks
from config.iam import Permission
from config.limits import (
    AUTO_MODE_MIN_VERSION,
    AUTO_MODE_NODE_POOLS,
    EKS_ADDONS,
    KUBERNETES_VERSIONS,
    NODEGROUP_AMI_ACCELERATOR,
    NODEGROUP_AMI_ARCHITECTURE,
    InstanceType,
    instance_type,
    unknown_instance_type,
)
from config.types import ConfigModel, Name, RetentionDays


class EndpointConfig(ConfigModel):
    """The Kubernetes API endpoint. Private only unless public access is asked for."""

    public_access: bool = False
    """Make the Kubernetes API reachable from the internet (from public_access_cidrs only)."""
    public_access_cidrs: tuple[IPv4Network, ...] = ()
    """The CIDRs a public endpoint accepts."""
    allow_public_internet: bool = Field(default=False, description="Second, explicit flag needed for 0.0.0.0/0.")

    @model_validator(mode="after")
    def _public_needs_cidrs(self) -> EndpointConfig:
        problems: list[Problem] = []
        world = IPv4Network("0.0.0.0/0")
        if self.public_access and not self.public_access_cidrs:
            problems.append(Problem("public_access_cidrs", "a public endpoint needs an allow list of CIDRs"))
        if not self.public_access and self.public_access_cidrs:
            problems.append(Problem("public_access_cidrs", "CIDRs are only used with public_access: true"))
        if world in self.public_access_cidrs and not self.allow_public_internet:
            problems.append(Problem("public_access_cidrs", "0.0.0.0/0 opens the API to the internet: also set allow_public_internet: true"))
        if problems:
            raise ProblemsError(problems)
        return self


class AccessConfig(ConfigModel):
    """IAM principals given cluster access through access entries (no aws-auth ConfigMap)."""

    admins: tuple[Annotated[str, Field(pattern=patterns.ROLE_ARN)], ...] = Field(
        default=(), description="Roles with AmazonEKSClusterAdminPolicy."
    )
    viewers: tuple[Annotated[str, Field(pattern=patterns.ROLE_ARN)], ...] = Field(default=(), description="Roles with AmazonEKSViewPolicy.")


class Taint(ConfigModel):
    key: str = Field(min_length=1, max_length=63)
    """The taint's key."""
    value: str | None = Field(default=None, max_length=63)
    """The taint's value."""
    effect: Literal["NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE"]
    """NO_SCHEDULE, PREFER_NO_SCHEDULE or NO_EXECUTE."""


class NodeGroupConfig(ConfigModel):
    """A managed node group: worker nodes (the EKS counterpart of ECS container instances)."""

    name: Name
    """The node group's name in berth (its construct id and labels)."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    """ON_DEMAND or SPOT."""
    instance_types: tuple[str, ...] = Field(min_length=1)
    """Instance types; On-Demand launches the first while it is available, Spot diversifies across all."""
    ami_type: Literal[
        "AL2023_X86_64_STANDARD",
        "AL2023_ARM_64_STANDARD",
        "BOTTLEROCKET_X86_64",
        "BOTTLEROCKET_ARM_64",
        "AL2023_X86_64_NVIDIA",
        "AL2023_ARM_64_NVIDIA",
        "BOTTLEROCKET_X86_64_NVIDIA",
        "BOTTLEROCKET_ARM_64_NVIDIA",
        "AL2023_X86_64_NEURON",
    ]
    """The EKS AMI type: architecture, OS, and the accelerator whose drivers it carries (NVIDIA, Neuron)."""
    release_version: str = Field(
        pattern=patterns.RELEASE_VERSION, description="Pinned AMI release, e.g. 1.34.2-20251112 (AL2023) or 1.50.0-a1b2c3d4 (Bottlerocket)."
    )
    version: str | None = Field(
        default=None,
        description=(
            "The nodes' Kubernetes minor version, e.g. '1.35'. Unset: the cluster's when the group is created, and the"
            " group stays there when the cluster moves on; set it to move the nodes (`make upgrade-plan` says when)."
        ),
    )
    disk_gib: int = Field(default=50, ge=20, le=16384)
    """The node's encrypted volume in GiB."""
    min_size: int = Field(ge=0, le=1000)
    """Fewest nodes."""
    desired_size: int = Field(ge=0, le=1000)
    """Nodes at the first deploy."""
    max_size: int = Field(ge=1, le=1000)
    """Most nodes."""
    max_unavailable_percent: int = Field(default=33, ge=1, le=100)
    """Share of nodes replaced at once during an update."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Kubernetes labels on every node."""
    taints: tuple[Taint, ...] = ()
    """Kubernetes taints on every node."""
    accelerator_taint: bool = True
    """On an accelerated group, taint the nodes (nvidia.com/gpu or aws.amazon.com/neuron, NoSchedule) so that only
    pods tolerating it, the ones that ask for the devices, land there."""

    @property
    def architecture(self) -> str:
        return NODEGROUP_AMI_ARCHITECTURE[self.ami_type]

    @property
    def accelerator(self) -> str | None:
        """ "nvidia", "neuron", or None for a standard AMI type."""
        return NODEGROUP_AMI_ACCELERATOR[self.ami_type]

    @property
    def bottlerocket(self) -> bool:
        return self.ami_type.startswith("BOTTLEROCKET")

    @field_validator("instance_types")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f"{name}: {unknown_instance_type(name)}" for name in value if instance_type(name) is None]
        if unknown:
            raise ValueError("; ".join(unknown))
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _known_node_version(cls, value: object) -> object:
        return None if value is None else _known_kubernetes_version(value)

    @property
    def release_minor(self) -> str | None:
        """The Kubernetes minor an AL2023 release names (1.34.2-20251120: 1.34); None for Bottlerocket's."""
        if not self.ami_type.startswith("AL2023_"):
            return None
        parts = self.release_version.split("-", 1)[0].split(".")
        return ".".join(parts[:2]) if len(parts) >= 2 else None

    @model_validator(mode="after")
    def _consistent(self) -> NodeGroupConfig:
        problems: list[Problem] = []
        for i, name in enumerate(self.instance_types):
            known = instance_type(name)
            assert known is not None  # _known_types refuses the others
            if known.architecture != self.architecture:
                message = f"{name} is {known.architecture}; ami_type {self.ami_type} runs {self.architecture} instances"
                problems.append(Problem(f"instance_types[{i}]", message, name, True))
            if known.accelerator != self.accelerator:
                problems.append(Problem(f"instance_types[{i}]", _pairing(known, self.ami_type, self.accelerator), name, True))
        if ranged := range_problems(self, "min_size", "max_size"):
            problems += ranged
        elif not self.min_size <= self.desired_size <= self.max_size:
            allowed = f"[min_size, max_size] = [{self.min_size}, {self.max_size}]"
            problems.append(Problem("desired_size", f"desired_size must be within {allowed}", self.desired_size, True))
        if problems:
            raise ProblemsError(problems)
        return self


def _known_kubernetes_version(value: object) -> str:
    if isinstance(value, int | float):
        raise ValueError(f'a Kubernetes version is text: quote it ("1.34"); unquoted, YAML reads a number ({value!r})')
    if str(value) not in KUBERNETES_VERSIONS:
        raise ValueError(f"Kubernetes version {value!r} is not known to the pinned aws-cdk-lib; allowed: {', '.join(KUBERNETES_VERSIONS)}")
    return str(value)


def minor(version: str) -> int:
    """1.34 -> 34."""
    return int(version.split(".")[1])


def _pairing(known: InstanceType, ami_type: str, accelerator: str | None) -> str:
    """Why an instance type and an AMI type do not go together, and what would."""
    same = [ami for ami, kind in NODEGROUP_AMI_ACCELERATOR.items() if kind == known.accelerator]
    fits = [ami for ami in same if NODEGROUP_AMI_ARCHITECTURE[ami] == known.architecture]
    choose = f"choose ami_type {' or '.join(fits)}" if fits else f"EKS has no AMI type for {known.accelerator} accelerators"
    if accelerator is None:
        return f"{known.describe()} needs an accelerated AMI type; {ami_type} is a standard AMI without the drivers: {choose}"
    if known.accelerator is None:
        return f"{known.describe()} has no {accelerator} accelerators for {ami_type}: {choose}, or an accelerated type"
    return f"{known.describe()} does not carry {accelerator} accelerators, which {ami_type} drives: {choose}"


class FargateSelector(ConfigModel):
    namespace: str = Field(pattern=patterns.K8S_NAME)
    """Pods in this namespace run on Fargate."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Only pods with every one of these labels."""


class FargateProfileConfig(ConfigModel):
    """Pods matching a selector run on Fargate, in the private subnets."""

    name: Name
    """The profile's name."""
    selectors: tuple[FargateSelector, ...] = Field(description="At least one namespace (and optional labels).")

    @field_validator("selectors")
    @classmethod
    def _some(cls, value: tuple[FargateSelector, ...]) -> tuple[FargateSelector, ...]:
        if not value:
            raise ValueError("a Fargate profile needs at least one selector (namespace, optional labels)")
        if len(value) > 5:
            raise ValueError("a Fargate profile takes at most 5 selectors")
        return value


class AutoModeConfig(ConfigModel):
    """EKS Auto Mode: AWS runs the nodes (and the core add-ons) for these node pools."""

    enabled: bool = False
    """EKS Auto Mode: EKS runs and scales the nodes itself."""
    node_pools: tuple[str, ...] = ("general-purpose", "system")
    """Auto Mode's built-in node pools to enable."""

    @field_validator("node_pools")
    @classmethod
    def _known_pools(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [p for p in value if p not in AUTO_MODE_NODE_POOLS]
        if unknown:
            raise ValueError(f"unknown Auto Mode node pool(s) {unknown}; allowed: {', '.join(AUTO_MODE_NODE_POOLS)}")
        return value


class PodIdentityConfig(ConfigModel):
    """A Kubernetes service account that gets an IAM role through an EKS Pod Identity association."""

    name: Name
    """The identity's name in berth."""
    namespace: str = Field(pattern=patterns.K8S_NAME)
    """The service account's namespace."""
    service_account: str = Field(pattern=patterns.K8S_NAME)
    """The Kubernetes service account that gets the role."""
    permissions: tuple[Permission, ...] = Field(min_length=1)
    """What the role may do: one statement each."""


class AckConfig(ConfigModel):
    """EKS's managed AWS Controllers for Kubernetes: Kubernetes resources that create AWS ones.
    Its capability role may do exactly what `permissions` lists (least privilege, as a task role)."""

    permissions: tuple[Permission, ...] = Field(min_length=1)
    """The AWS actions ACK may take on the team's behalf, one statement each (e.g. the SQS queues it manages)."""


class ArgoCdRoleConfig(ConfigModel):
    """Who gets one of Argo CD's roles: IAM Identity Center groups and users, by id."""

    role: Literal["ADMIN", "EDITOR", "VIEWER"]
    """ADMIN (everything), EDITOR (Argo CD's resources) or VIEWER (read only)."""
    groups: tuple[Annotated[str, Field(pattern=patterns.IDENTITY_CENTER_ID)], ...] = ()
    """Identity Center group ids."""
    users: tuple[Annotated[str, Field(pattern=patterns.IDENTITY_CENTER_ID)], ...] = ()
    """Identity Center user ids (prefer groups)."""

    @model_validator(mode="after")
    def _someone(self) -> ArgoCdRoleConfig:
        if not self.groups and not self.users:
            raise ProblemsError([Problem("groups", f"name at least one Identity Center group or user for {self.role}")])
        return self


class ArgoCdConfig(ConfigModel):
    """EKS's managed Argo CD (GitOps): people sign in through IAM Identity Center
    (https://docs.aws.amazon.com/eks/latest/userguide/argocd.html). Its endpoint is private by default
    here (AWS's default is public): berth creates an interface endpoint for eks-capabilities in the
    private subnets and hands its id to the capability, which blocks public access
    (https://docs.aws.amazon.com/eks/latest/userguide/argocd-private-access.html)."""

    identity_center_instance_arn: str = Field(pattern=patterns.IDENTITY_CENTER_INSTANCE)
    """The organization's IAM Identity Center instance."""
    identity_center_region: str | None = None
    """The Identity Center instance's home region; unset: the environment's region."""
    namespace: str = Field(default="argocd", pattern=patterns.K8S_NAME)
    """The namespace Argo CD's resources (Applications, ...) live in."""
    rbac: tuple[ArgoCdRoleConfig, ...] = Field(min_length=1)
    """Who may do what; at least one ADMIN."""
    public_endpoint: bool = False
    """Reach Argo CD from the internet (AWS's default) instead of only through the VPC endpoint berth creates."""
    client_cidrs: tuple[IPv4Network, ...] = ()
    """Networks besides the VPC (a VPN, Direct Connect) allowed to reach the private endpoint on HTTPS."""

    @model_validator(mode="after")
    def _consistent(self) -> ArgoCdConfig:
        problems: list[Problem] = []
        if not any(r.role == "ADMIN" for r in self.rbac):
            problems.append(Problem("rbac", "no ADMIN: nobody could manage Argo CD's projects and settings"))
        if self.public_endpoint and self.client_cidrs:
            problems.append(Problem("client_cidrs", "applies to the private endpoint; with public_endpoint: true, leave it out"))
        world = [str(c) for c in self.client_cidrs if c.prefixlen == 0]
        if world:
            problems.append(Problem("client_cidrs", "0.0.0.0/0 is everyone: set public_endpoint: true instead, or name your networks"))
        if problems:
            raise ProblemsError(problems)
        return self


class CapabilitiesConfig(ConfigModel):
    """EKS Capabilities: platform features AWS runs for the cluster, outside its nodes
    (https://docs.aws.amazon.com/eks/latest/userguide/capabilities.html); each has a capability
    role EKS assumes."""

    kro: bool = False
    """kro (Kube Resource Orchestrator): the team's own Kubernetes APIs composed of others; no AWS permission."""
    ack: AckConfig | None = None
    """ACK (AWS Controllers for Kubernetes), with the AWS permissions it is given."""
    argo_cd: ArgoCdConfig | None = None
    """Managed Argo CD, signed in through IAM Identity Center, private by default."""


class EksConfig(ConfigModel):
    """One EKS cluster per environment."""

    cluster_name: str = Field(pattern=patterns.CLUSTER_NAME)
    """The EKS cluster's name."""
    version: str = Field(description="Kubernetes minor version, e.g. '1.34'.")
    support: Literal["STANDARD", "EXTENDED"] = Field(
        default="EXTENDED",
        description=(
            "What happens when the version leaves standard support: EXTENDED (EKS's default) keeps it running and bills"
            " the extended-support rate; STANDARD has EKS upgrade the control plane to the next version."
        ),
    )
    endpoint: EndpointConfig = EndpointConfig()
    """The Kubernetes API endpoint: private unless public access is asked for."""
    log_retention_days: RetentionDays = 90
    """Days the control-plane logs are kept."""
    deletion_protection: bool = True
    """Refuse DeleteCluster while on. The first deploy creates the cluster without it (a failed create must roll
    back), the next deploy turns it on; a teardown turns it off first (docs/first-deploy.md)."""
    capabilities: CapabilitiesConfig = CapabilitiesConfig()
    """EKS Capabilities (kro, ACK) and their roles."""
    zonal_shift: bool = False
    """Let ARC zonal shift (and zonal autoshift) move the cluster's traffic away from an impaired availability zone
    (https://docs.aws.amazon.com/eks/latest/userguide/zone-shift.html); no charge."""
    control_plane_tier: Literal["standard", "tier-xl", "tier-2xl", "tier-4xl", "tier-8xl"] = "standard"
    """EKS Provisioned Control Plane: a scaling tier with capacity reserved ahead of demand, billed by the hour
    per tier; standard scales on demand at no extra charge."""
    access: AccessConfig = AccessConfig()
    """Who may use the cluster, through access entries."""
    auto_mode: AutoModeConfig = AutoModeConfig()
    """EKS Auto Mode."""
    node_groups: tuple[NodeGroupConfig, ...] = ()
    """Managed node groups."""
    fargate_profiles: tuple[FargateProfileConfig, ...] = ()
    """Fargate profiles."""
    addons: dict[str, Annotated[str, Field(pattern=patterns.ADDON_VERSION)]] = Field(
        default_factory=dict, description="Add-on name -> pinned version (vX.Y.Z-eksbuild.N)."
    )
    autoscaler: Literal["none", "cluster-autoscaler", "karpenter"] = Field(
        default="none", description="The AWS side of the in-cluster autoscaler for managed node groups (Auto Mode scales natively)."
    )
    pod_identities: tuple[PodIdentityConfig, ...] = ()
    """IAM roles for service accounts, through EKS Pod Identity."""

    @field_validator("version", mode="before")
    @classmethod
    def _known_version(cls, value: object) -> object:
        return _known_kubernetes_version(value)

    @field_validator("addons")
    @classmethod
    def _known_addons(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        unknown = sorted(set(value) - set(EKS_ADDONS))
        if unknown:
            raise ValueError(f"unknown add-on(s) {unknown}; allowed: {', '.join(EKS_ADDONS)}")
        version = info.data.get("version")
        proxy = value.get("kube-proxy")
        if version and proxy and not proxy.startswith(f"v{version}."):
            raise ValueError(f"kube-proxy {proxy} does not match the cluster's minor version {version} (expected v{version}.x-eksbuild.N)")
        return value

    @model_validator(mode="after")
    def _capacity(self) -> EksConfig:
        run_checks(
            self,
            _has_capacity,
            _addons_pinned,
            _auto_mode_version,
            _auto_mode_without_fargate,
            _autoscaler_has_groups,
            _unique_groups,
            _node_versions,
        )
        return self


# Nodes may run up to three minor versions behind the control plane, never ahead of it
# (https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html; Kubernetes' version skew policy).
NODE_SKEW = 3


def _node_versions(e: EksConfig) -> list[Problem]:
    """A group's nodes within the skew the control plane allows; an AL2023 release for the group's own minor."""
    problems: list[Problem] = []
    cluster = minor(e.version)
    for i, group in enumerate(e.node_groups):
        nodes = group.version or group.release_minor
        field = "version" if group.version else "release_version"
        value = group.version or group.release_version
        if nodes is not None and not cluster - NODE_SKEW <= minor(nodes) <= cluster:
            why = "newer than the control plane" if minor(nodes) > cluster else f"more than {NODE_SKEW} minor versions behind it"
            message = f"nodes at Kubernetes {nodes} on a {e.version} control plane: {why} (allowed: 1.{cluster - NODE_SKEW} to {e.version})"
            problems.append(Problem(f"node_groups[{i}].{field}", message, value, True))
        elif group.version and group.release_minor and group.release_minor != group.version:
            message = f"an AL2023 release for Kubernetes {group.release_minor}; the group's version is {group.version}"
            problems.append(Problem(f"node_groups[{i}].release_version", message, group.release_version, True))
    return problems


def _has_capacity(e: EksConfig) -> list[Problem]:
    if not e.auto_mode.enabled and not e.node_groups and not e.fargate_profiles:
        return [Problem("node_groups", "the cluster has no capacity: add node groups, Fargate profiles or enable auto_mode")]
    return []


def _addons_pinned(e: EksConfig) -> list[Problem]:
    missing = [a for a in EKS_ADDONS if a not in e.addons] if not e.auto_mode.enabled else []
    if missing:
        return [Problem("addons", f"without Auto Mode, pin a version for every core add-on; missing: {', '.join(missing)}")]
    return []


def _auto_mode_version(e: EksConfig) -> list[Problem]:
    if e.auto_mode.enabled and tuple(int(part) for part in e.version.split(".")) < AUTO_MODE_MIN_VERSION:
        minimum = ".".join(map(str, AUTO_MODE_MIN_VERSION))
        return [Problem("auto_mode.enabled", f"EKS Auto Mode needs Kubernetes {minimum} or later; version is {e.version}")]
    return []


def _auto_mode_without_fargate(e: EksConfig) -> list[Problem]:
    if e.auto_mode.enabled and e.fargate_profiles:
        message = (
            "Fargate pods on an Auto Mode cluster have no DNS: Auto Mode runs no kube-dns Service (aws/containers-roadmap#2546) "
            "and Fargate nodes are not Auto Mode nodes. Remove the Fargate profiles (Auto Mode runs those pods itself), or "
            "turn Auto Mode off and use node groups"
        )
        return [Problem("fargate_profiles", message)]
    return []


def _autoscaler_has_groups(e: EksConfig) -> list[Problem]:
    if e.autoscaler != "none" and not e.node_groups:
        return [Problem("autoscaler", "an autoscaler scales managed node groups; there are none (Auto Mode scales natively)")]
    return []


def _unique_groups(e: EksConfig) -> list[Problem]:
    return duplicate_names("node_groups", "node group", [g.name for g in e.node_groups])
