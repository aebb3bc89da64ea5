"""What AWS offers, as data: the checks aws-cdk-lib does not make at synth.

Kept apart from the models so the tables can be read (and updated) on their own.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

# Fargate task sizes (CPU units -> allowed memory in MiB). aws-cdk-lib does not validate
# the pair at synth; an invalid one fails only at deploy time. Source: the "Task CPU and
# memory" table of the Amazon ECS developer guide (Linux tasks).
_GIB = 1024
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1 * _GIB, 2 * _GIB),
    512: tuple(g * _GIB for g in range(1, 5)),
    1024: tuple(g * _GIB for g in range(2, 9)),
    2048: tuple(g * _GIB for g in range(4, 17)),
    4096: tuple(g * _GIB for g in range(8, 31)),
    8192: tuple(g * _GIB for g in range(16, 61, 4)),
    16384: tuple(g * _GIB for g in range(32, 121, 8)),
}


def describe_fargate_memory(cpu: int) -> str:
    """Human-readable list of the memory sizes Fargate offers for `cpu`."""
    sizes = FARGATE_MEMORY_BY_CPU[cpu]
    return ", ".join(str(m) for m in sizes) + " MiB"


# Interface endpoints berth knows how to create, by the service name AWS uses in the
# endpoint's DNS name (com.amazonaws.<region>.<name>).
INTERFACE_ENDPOINT_SERVICES: tuple[str, ...] = (
    "autoscaling",
    "ec2",
    "ec2messages",
    "ecr.api",
    "ecr.dkr",
    "ecs",
    "ecs-agent",
    "ecs-telemetry",
    "elasticloadbalancing",
    "events",
    "kms",
    "logs",
    "monitoring",
    "secretsmanager",
    "sns",
    "ssm",
    "ssmmessages",
    "sts",
    "xray",
)

# AWS facts generated from well-kept packages (tools/aws_data.py says how and from which):
# regions and their partitions, availability-zone letters, EC2 instance types.
_AWS = json.loads((Path(__file__).resolve().parent / "data" / "aws.json").read_text(encoding="utf-8"))
REGIONS: dict[str, str] = _AWS["regions"]  # region -> partition
ZONE_LETTERS: dict[str, str] = _AWS["zone_letters"]  # region -> the letters seen there
ANY_ZONE_LETTER = "".join(sorted({letter for letters in ZONE_LETTERS.values() for letter in letters}))


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpus: int
    memory_mib: int
    architecture: str  # "x86_64" or "arm64"
    accelerator: str | None  # "nvidia", "amd", "neuron", "habana", "fpga" or None
    accelerators: int  # how many (GPUs, Neuron devices, FPGAs); 0 without

    def describe(self) -> str:
        extra = f", {self.accelerators} {self.accelerator} accelerator{'s' if self.accelerators > 1 else ''}" if self.accelerator else ""
        return f"{self.name} ({self.vcpus} vCPUs, {self.memory_mib // 1024} GiB, {self.architecture}{extra})"


INSTANCE_TYPES: dict[str, InstanceType] = {name: InstanceType(name, *row) for name, row in _AWS["instance_types"].items()}


def instance_type(name: str) -> InstanceType | None:
    return INSTANCE_TYPES.get(name)


def unknown_instance_type(name: str) -> str:
    """The message for a type the data does not have, with the closest known names."""
    close = difflib.get_close_matches(name, INSTANCE_TYPES, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown EC2 instance type{hint} (berth knows the {len(INSTANCE_TYPES)} types of config/data/aws.json)"


def instance_architecture(name: str) -> str:
    """Return "arm64" or "x86_64" for a known EC2 instance type such as "m7g.large"."""
    return INSTANCE_TYPES[name].architecture


# EKS Auto Mode needs Kubernetes 1.29 or later ("Create a cluster with Amazon EKS Auto Mode",
# https://docs.aws.amazon.com/eks/latest/userguide/create-auto.html).
AUTO_MODE_MIN_VERSION = (1, 29)

# The share of an instance's nominal memory that ECS can place tasks in: the agent registers
# the memory the operating system reports, below the nominal size, and the OS and the agent
# use some ("Container instance memory management",
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/memory-management.html).
ECS_PLACEABLE_MEMORY_SHARE = 0.95

# Kubernetes versions the pinned aws-cdk-lib (aws_eks_v2.KubernetesVersion) knows. A test
# keeps this list equal to the library's, so a version the library cannot name is refused
# here, before jsii starts.
KUBERNETES_VERSIONS: tuple[str, ...] = tuple(f"1.{minor}" for minor in range(25, 37))

# Managed node group AMI types berth offers, with their architecture.
NODEGROUP_AMI_ARCHITECTURE: dict[str, str] = {
    "AL2023_X86_64_STANDARD": "x86_64",
    "AL2023_ARM_64_STANDARD": "arm64",
    "BOTTLEROCKET_X86_64": "x86_64",
    "BOTTLEROCKET_ARM_64": "arm64",
    "AL2023_X86_64_NVIDIA": "x86_64",
    "AL2023_ARM_64_NVIDIA": "arm64",
    "BOTTLEROCKET_X86_64_NVIDIA": "x86_64",
    "BOTTLEROCKET_ARM_64_NVIDIA": "arm64",
    "AL2023_X86_64_NEURON": "x86_64",
}
# The accelerator an EKS AMI type carries the drivers for (None: a standard AMI). Instance
# types are paired with AMI types by berth's instance data (config/data/aws.json), not by
# aws-cdk-lib's list, which lags EC2
# (https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html).
NODEGROUP_AMI_ACCELERATOR: dict[str, str | None] = {
    ami: "nvidia" if ami.endswith("_NVIDIA") else "neuron" if ami.endswith("_NEURON") else None for ami in NODEGROUP_AMI_ARCHITECTURE
}

# The node pools EKS Auto Mode offers built in.
AUTO_MODE_NODE_POOLS: tuple[str, ...] = ("general-purpose", "system")

# The EKS add-ons berth manages.
EKS_ADDONS: tuple[str, ...] = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-ebs-csi-driver")
