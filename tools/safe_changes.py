"""docs/safe-changes.md's tables, from the CloudFormation resource schemas cfn-lint ships.

For every resource type berth emits it lists the create-only properties (a change replaces
the resource); for the config fields people change most, what CloudFormation will do.
`make regenerate` rewrites the page's section between the markers; a test fails while
it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "safe-changes.md"
START = "<!-- safe-changes:start -->"
END = "<!-- safe-changes:end -->"
REGION = "eu-west-1"

# The one list of stateful types: what a replacement (or a deletion) of each loses. The
# review marks them as a data-loss risk, the safe-changes table as stateful, and
# tests/test_logical_ids.py pins their logical ids (a renamed id means a replacement).
STATEFUL: dict[str, str] = {
    "AWS::KMS::Key": "the key, and with it whatever it encrypted",
    "AWS::Logs::LogGroup": "its logs",
    "AWS::S3::Bucket": "its objects",
    "AWS::SQS::Queue": "its messages",
    "AWS::EFS::FileSystem": "its files",
    "AWS::ECR::Repository": "its images",
    "AWS::EKS::Cluster": "the cluster and every workload in it",
    "AWS::EKS::Nodegroup": "its nodes (every pod on them is evicted)",
    "AWS::ECS::Cluster": "the cluster its services run in",
    "AWS::ECS::Service": "its running tasks (a fixed-name service cannot be replaced at all)",
    "AWS::AutoScaling::AutoScalingGroup": "its container instances",
    "AWS::EC2::VPC": "the network every stack runs in",
    "AWS::EC2::Subnet": "every network interface in it",
}

# Config field -> the resource property it sets (the ones teams change; others follow the
# per-type table). Task definitions are immutable revisions by design: any change to one
# registers a new revision and the service rolls to it.
CONFIG_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("network.cidr", "AWS::EC2::VPC", "CidrBlock"),
    ("availability_zones", "AWS::EC2::Subnet", "AvailabilityZone"),
    ("network.*_subnet_mask", "AWS::EC2::Subnet", "CidrBlock"),
    ("ecs.cluster.ec2_capacity.instance_type, os, ami, root_volume_gib", "AWS::EC2::LaunchTemplate", "LaunchTemplateData"),
    ("ecs.cluster.ec2_capacity.min_capacity / max_capacity", "AWS::AutoScaling::AutoScalingGroup", "MinSize"),
    ("ecs.cluster.ec2_capacity.target_capacity_percent", "AWS::ECS::CapacityProvider", "AutoScalingGroupProvider/ManagedScaling"),
    ("ecs.services[].name", "AWS::ECS::Service", "ServiceName"),
    ("ecs.services[].desired_count, capacity_provider_strategy", "AWS::ECS::Service", "CapacityProviderStrategy"),
    ("ecs.services[].task.* (cpu, memory, image, secrets, ...)", "AWS::ECS::TaskDefinition", "ContainerDefinitions"),
    (
        "ecs.services[].load_balancer.deletion_protection, idle_timeout_seconds",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "LoadBalancerAttributes",
    ),
    ("ecs.services[].route.hosts, paths, priority", "AWS::ElasticLoadBalancingV2::ListenerRule", "Conditions"),
    ("ecs.services[].route.ingress", "AWS::ElasticLoadBalancingV2::ListenerRule", "ListenerArn"),
    ("host names (route.hosts, load_balancer.hosts): one certificate each", "AWS::CertificateManager::Certificate", "DomainName"),
    ("ecs.domain.hosted_zone_id", "AWS::Route53::RecordSet", "HostedZoneId"),
    ("eks.cluster_name", "AWS::EKS::Cluster", "Name"),
    ("eks.version", "AWS::EKS::Cluster", "Version"),
    ("eks.support", "AWS::EKS::Cluster", "UpgradePolicy"),
    ("eks.endpoint.*", "AWS::EKS::Cluster", "ResourcesVpcConfig"),
    ("eks.deletion_protection", "AWS::EKS::Cluster", "DeletionProtection"),
    ("eks.zonal_shift", "AWS::EKS::Cluster", "ZonalShiftConfig"),
    ("eks.control_plane_tier", "AWS::EKS::Cluster", "ControlPlaneScalingConfig"),
    ("(secrets encryption key)", "AWS::EKS::Cluster", "EncryptionConfig"),
    ("eks.node_groups[].capacity_type", "AWS::EKS::Nodegroup", "CapacityType"),
    ("eks.node_groups[].instance_types", "AWS::EKS::Nodegroup", "InstanceTypes"),
    ("eks.node_groups[].ami_type", "AWS::EKS::Nodegroup", "AmiType"),
    ("eks.node_groups[].release_version", "AWS::EKS::Nodegroup", "ReleaseVersion"),
    ("eks.node_groups[].version", "AWS::EKS::Nodegroup", "Version"),
    ("eks.capabilities.argo_cd", "AWS::EKS::Capability", "Configuration"),
    ("eks.node_groups[].min/desired/max_size", "AWS::EKS::Nodegroup", "ScalingConfig"),
    ("eks.node_groups[].labels, taints", "AWS::EKS::Nodegroup", "Labels"),
    ("eks.node_groups[].disk_gib", "AWS::EC2::LaunchTemplate", "LaunchTemplateData"),
    ("eks.fargate_profiles[].selectors", "AWS::EKS::FargateProfile", "Selectors"),
    ("eks.addons.<name>", "AWS::EKS::Addon", "AddonVersion"),
    ("eks.pod_identities[].namespace / service_account", "AWS::EKS::PodIdentityAssociation", "ServiceAccount"),
)


def create_only(resource_type: str) -> list[str]:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, resource_type).schema
    return [p.removeprefix("/properties/") for p in schema.get("createOnlyProperties", [])]


def replaces(resource_type: str, prop: str) -> bool:
    """A change to `prop` replaces the resource if `prop` is, or lies under, a create-only path."""
    return any(prop == p or prop.startswith(f"{p}/") for p in create_only(resource_type))


def emitted_types(outdirs: list[Path]) -> list[str]:
    types: set[str] = set()
    for outdir in outdirs:
        for template in outdir.glob("*.template.json"):
            types |= {r["Type"] for r in json.loads(template.read_text(encoding="utf-8"))["Resources"].values()}
    return sorted(t for t in types if t.startswith("AWS::"))


def render(outdirs: list[Path]) -> str:
    lines = [
        START,
        "",
        "What a config change does at deploy time, from the CloudFormation resource schemas",
        "(create-only properties) bundled with the pinned cfn-lint. **Replaces** means CloudFormation",
        "creates a new resource and deletes the old one; for a stateful resource that is data loss",
        "or a new identity, and for a custom-named one (cluster, service, log group) the deploy",
        "fails until the name changes too.",
        "",
        "| config field | resource property | effect |",
        "| --- | --- | --- |",
    ]
    for field, resource_type, prop in CONFIG_FIELDS:
        if resource_type == "AWS::ECS::TaskDefinition":
            effect = "new task definition revision; the service rolls to it (circuit breaker, alarms)"
        elif resource_type == "AWS::EC2::LaunchTemplate":
            effect = "new launch template version: EKS node groups roll their nodes; ECS container instances get it as they are replaced"
        elif replaces(resource_type, prop):
            effect = "**replaces**" + (" (stateful)" if resource_type in STATEFUL else "")
        else:
            effect = "updates in place"
        lines.append(f"| `{field}` | `{resource_type}.{prop}` | {effect} |")
    lines += [
        "",
        "Every resource type berth emits, and the properties whose change replaces it:",
        "",
        "| resource type | replaced when these change |",
        "| --- | --- |",
    ]
    for resource_type in emitted_types(outdirs):
        props = ", ".join(f"`{p}`" for p in create_only(resource_type)) or "nothing (all updatable)"
        mark = " (stateful)" if resource_type in STATEFUL else ""
        lines.append(f"| `{resource_type}`{mark} | {props} |")
    lines += ["", END]
    return "\n".join(lines)


def current_section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    return text[text.index(START) : text.index(END) + len(END)]
