"""What an environment needs to exist in its AWS account before the first deploy.

Shared by `make bootstrap` (which creates the service-linked roles) and `make preflight`
(which checks everything the config refers to). Both read the config; neither deploys.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config import ConfigError, load_config
from config.models import PlatformConfig


def environment_from_cli(argv: list[str] | None, description: str) -> PlatformConfig:
    """`--env NAME` loaded and validated; a bad config prints its report and exits 2."""
    return environment_and_options(argv, description)[0]


def environment_and_options(
    argv: list[str] | None, description: str, options: Callable[[argparse.ArgumentParser], None] | None = None
) -> tuple[PlatformConfig, argparse.Namespace]:
    """As environment_from_cli, with the command's own `options` added to the parser."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--env", required=True)
    if options is not None:
        options(parser)
    args = parser.parse_args(argv)
    try:
        return load_config(args.env), args
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(2) from None


def account_mismatch(config: PlatformConfig, sts: Any) -> str | None:
    """A message when the credentials are for another account than the environment's."""
    account = sts.get_caller_identity()["Account"]
    if account != config.account:
        return f"the credentials are for account {account}; environment '{config.name}' is account {config.account}"
    return None


@dataclass(frozen=True)
class ServiceLinkedRole:
    service: str  # the AWS service principal it is linked to
    name: str  # the role name AWS gives it
    why: str


_ECS = (
    ServiceLinkedRole("ecs.amazonaws.com", "AWSServiceRoleForECS", "ECS clusters and capacity providers (aws/containers-roadmap#2614)"),
    ServiceLinkedRole("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "the container instances' Auto Scaling group"),
    ServiceLinkedRole(
        "ecs.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_ECSService", "ECS service auto scaling"
    ),
)
_LOAD_BALANCING = ServiceLinkedRole(
    "elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing", "the web services' Application Load Balancers"
)
_EKS = ServiceLinkedRole("eks.amazonaws.com", "AWSServiceRoleForAmazonEKS", "the EKS control plane")
_NODEGROUP = ServiceLinkedRole("eks-nodegroup.amazonaws.com", "AWSServiceRoleForAmazonEKSNodegroup", "EKS managed node groups")
_FARGATE = ServiceLinkedRole("eks-fargate.amazonaws.com", "AWSServiceRoleForAmazonEKSForFargate", "EKS Fargate profiles")
_SPOT = ServiceLinkedRole("spot.amazonaws.com", "AWSServiceRoleForEC2Spot", "Spot capacity launched by Karpenter or Spot node groups")


def service_linked_roles(config: PlatformConfig) -> list[ServiceLinkedRole]:
    """The service-linked roles the environment's resources need, in the order to create them."""
    roles = list(_ECS)
    if any(s.web for s in config.ecs.services):
        roles.append(_LOAD_BALANCING)
    eks = config.eks
    if eks is not None:
        roles.append(_EKS)
        if eks.node_groups:
            roles.append(_NODEGROUP)
        if eks.fargate_profiles:
            roles.append(_FARGATE)
        if eks.autoscaler == "karpenter" or any(g.capacity_type == "SPOT" for g in eks.node_groups):
            roles.append(_SPOT)
    return roles


def existing_service_linked_role(iam: Any, service: str) -> str | None:
    """The ARN of the account's role linked to `service`, if there is one.

    Looked up by path (/aws-service-role/<service>/), never by name: every service-linked
    role lives under its service's path, whatever its name, and CreateServiceLinkedRole is
    not idempotent (EntityAlreadyExists), so bootstrap must look before it creates.
    """
    paginator = iam.get_paginator("list_roles")
    for page in paginator.paginate(PathPrefix=f"/aws-service-role/{service}/"):
        for role in page["Roles"]:
            return str(role["Arn"])
    return None


def tracked_ami_parameter(os_: str, arch: str, *, gpu: bool = False) -> str:
    """The public SSM parameter aws-cdk-lib's EcsOptimizedImage / BottleRocketImage read (a test
    holds it to the synthesized templates' parameters)."""
    if os_ == "bottlerocket":
        return f"/aws/service/bottlerocket/aws-ecs-2{'-nvidia' if gpu else ''}/{arch}/latest/image_id"
    flavour = "gpu/" if gpu else "arm64/" if arch == "arm64" else ""
    return f"/aws/service/ecs/optimized-ami/amazon-linux-2023/{flavour}recommended/image_id"
