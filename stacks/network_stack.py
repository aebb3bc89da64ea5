"""The network stack: the VPC every other stack runs in, shared through SSM parameters."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput
from constructs import Construct

from cdk_constructs.karpenter import discovery_tags as karpenter_discovery_tags
from cdk_constructs.network import PlatformNetwork
from cdk_constructs.platform_key import PlatformKey
from cdk_constructs.removal import removal_policy
from cdk_constructs.shared_vpc import VpcParameters, vpc_from_ids
from config.models import PlatformConfig
from stacks.base import BerthStack
from stacks.props import network_props


class NetworkStack(BerthStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        existing = config.network.existing
        what = "the ids of an existing VPC" if existing else "VPC, subnets, NAT, flow logs, endpoints"
        super().__init__(scope, construct_id, config=config, description=f"berth {config.name}: {what}", **kwargs)
        if existing is not None:
            # A VPC of the team's: berth only shares its ids with the other stacks. Its subnets'
            # tags (load balancers, Karpenter discovery) are the owner's to set: preflight checks them.
            self.vpc = vpc_from_ids(
                self,
                "Vpc",
                vpc_id=existing.vpc_id,
                cidr=str(config.network.cidr),
                availability_zones=config.availability_zones,
                private_subnet_ids=existing.private_subnet_ids,
                public_subnet_ids=existing.public_subnet_ids,
            )
            VpcParameters(self, "Parameters", vpc=self.vpc, environment=config.name)
            CfnOutput(self, "VpcId", value=existing.vpc_id, description="VPC id (not berth's)")
            return
        removal = removal_policy(config.removal_policy)
        key = PlatformKey(
            self, "Key", alias=f"alias/berth/{config.name}/network", description=f"berth {config.name} network logs", removal_policy=removal
        )
        network = PlatformNetwork(
            self,
            "Network",
            props=network_props(config.network),
            availability_zones=config.availability_zones,
            key=key.key,
            removal_policy=removal,
        )
        if config.eks is not None:
            network.tag_for_kubernetes_load_balancers()
            if config.eks.autoscaler == "karpenter":
                network.tag_private_subnets(karpenter_discovery_tags(config.eks.cluster_name))
        VpcParameters(self, "Parameters", vpc=network.vpc, environment=config.name)
        CfnOutput(self, "VpcId", value=network.vpc.vpc_id, description="VPC id")
        self.vpc = network.vpc
