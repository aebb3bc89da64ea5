"""A bare stack to build one construct in: no berth config, no checks, two AZs, and
cdk.json's feature flags."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from cdk_constructs.ec2_capacity import ContainerInstanceCapacity, Ec2CapacityProps
from cdk_constructs.task_definition import HealthCheckProps, ImageRef, TaskProps
from stacks.context import project_context

ZONES = ["eu-west-1a", "eu-west-1b"]
HEALTH = HealthCheckProps(command=("CMD", "/app/health"))
IMAGE = ImageRef(repository="111111111111.dkr.ecr.eu-west-1.amazonaws.com/app", digest="sha256:" + "a" * 64)


def task_props(**overrides: object) -> TaskProps:
    fields: dict[str, object] = {"cpu": 512, "memory_mib": 1024, "image": IMAGE, "health_check": HEALTH, "port": 8080}
    return TaskProps(**(fields | overrides))  # type: ignore[arg-type]


@dataclass
class Bare:
    """One stack with what most constructs are given: a VPC, a key, a topic."""

    stack: Stack

    def __post_init__(self) -> None:
        self.vpc = ec2.Vpc(self.stack, "Vpc", availability_zones=ZONES, nat_gateways=1)
        self.key = kms.Key(self.stack, "Key")
        self.topic = sns.Topic(self.stack, "Topic")

    def cluster(self) -> ecs.Cluster:
        return ecs.Cluster(self.stack, "Cluster", vpc=self.vpc, enable_fargate_capacity_providers=True)

    def capacity(self, cluster: ecs.Cluster, construct_id: str = "Capacity", **overrides: object) -> ContainerInstanceCapacity:
        fields: dict[str, object] = {"instance_type": "m7g.large", "architecture": "arm64", "min_capacity": 1, "max_capacity": 2}
        return ContainerInstanceCapacity(
            self.stack,
            construct_id,
            cluster=cluster,
            props=Ec2CapacityProps(**(fields | overrides)),  # type: ignore[arg-type]
            key=self.key,
            notifications=self.topic,
            region="eu-west-1",
            removal_policy=RemovalPolicy.DESTROY,
        )

    def eks_cluster(self) -> eks.Cluster:
        """A cluster for node groups and profiles (no Auto Mode, no default capacity)."""
        return eks.Cluster(
            self.stack,
            "EksCluster",
            version=eks.KubernetesVersion.of("1.34"),
            vpc=self.vpc,
            default_capacity_type=eks.DefaultCapacityType.NODEGROUP,
            default_capacity=0,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def template(self) -> Template:
        return Template.from_stack(self.stack)


def bare() -> Bare:
    # cdk.json's feature flags, as berth's stacks get them: they change the templates.
    app = App(context=project_context(), builtin_cloud_formation_validation=False)
    return Bare(Stack(app, "Test", env=Environment(account="111111111111", region="eu-west-1")))
