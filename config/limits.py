"""What AWS offers, as data: the checks aws-cdk-lib does not make at synth.

Kept apart from the models so the tables can be read (and updated) on their own.
"""

from __future__ import annotations

import re

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

# Graviton families: the processor letter 'g' follows the generation digit (m7g, c6gn,
# r8gd, t4g, x2gd, im4gn, is4gen). a1 is the first-generation Graviton family.
_ARM_FAMILY = re.compile(r"^([a-z]+)(\d+)([a-z-]*)$")


def instance_architecture(instance_type: str) -> str:
    """Return "arm64" or "x86_64" for an EC2 instance type name such as "m7g.large"."""
    family = instance_type.split(".", 1)[0]
    if family == "a1":
        return "arm64"
    match = _ARM_FAMILY.match(family)
    if match and match.group(3).startswith("g"):
        return "arm64"
    return "x86_64"


INSTANCE_TYPE_PATTERN = r"^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d*xlarge|metal-\d+xl)$"


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
}

# The node pools EKS Auto Mode offers built in.
AUTO_MODE_NODE_POOLS: tuple[str, ...] = ("general-purpose", "system")

# The EKS add-ons berth manages, and the format of their versions.
EKS_ADDONS: tuple[str, ...] = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-ebs-csi-driver")
ADDON_VERSION_PATTERN = r"^v\d+\.\d+\.\d+-eksbuild\.\d+$"
