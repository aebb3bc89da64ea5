"""PlatformEksCluster alone: endpoint choices, Auto Mode, support policy, access entries."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Match, Template

from cdk_constructs.eks_cluster import EksClusterProps, PlatformEksCluster
from tests.cdk_constructs.support import bare


def _cluster(**overrides: object) -> Template:
    b = bare()
    props = EksClusterProps(**({"cluster_name": "c1", "version": "1.34"} | overrides))  # type: ignore[arg-type]
    PlatformEksCluster(b.stack, "Eks", props=props, vpc=b.vpc, key=b.key, removal_policy=RemovalPolicy.DESTROY)
    return b.template()


def _vpc_config(template: Template) -> dict:
    (cluster,) = template.find_resources("AWS::EKS::Cluster").values()
    return cluster["Properties"]["ResourcesVpcConfig"]


def test_private_endpoint_by_default_and_extended_support_written_out() -> None:
    template = _cluster()
    config = _vpc_config(template)
    assert config["EndpointPublicAccess"] is False
    assert config["EndpointPrivateAccess"] is True
    template.has_resource_properties(
        "AWS::EKS::Cluster",
        {
            "UpgradePolicy": {"SupportType": "EXTENDED"},
            "AccessConfig": Match.object_like({"BootstrapClusterCreatorAdminPermissions": False}),
        },
    )


def test_public_endpoint_only_from_the_given_cidrs() -> None:
    config = _vpc_config(_cluster(public_access_cidrs=("198.51.100.7/32",)))
    assert config["EndpointPublicAccess"] is True
    assert config["PublicAccessCidrs"] == ["198.51.100.7/32"]


def test_auto_mode_with_its_node_pools_and_a_minimal_node_role() -> None:
    template = _cluster(auto_mode_node_pools=("system",), support="STANDARD")
    template.has_resource_properties(
        "AWS::EKS::Cluster",
        {"ComputeConfig": Match.object_like({"Enabled": True, "NodePools": ["system"]}), "UpgradePolicy": {"SupportType": "STANDARD"}},
    )


def test_admins_and_viewers_get_access_entries_with_their_policy() -> None:
    template = _cluster(admins=("arn:aws:iam::111111111111:role/admin",), viewers=("arn:aws:iam::111111111111:role/dev",))
    template.resource_count_is("AWS::EKS::AccessEntry", 2)
    template.has_resource_properties(
        "AWS::EKS::AccessEntry",
        {"PrincipalArn": "arn:aws:iam::111111111111:role/dev", "AccessPolicies": [Match.object_like({"PolicyArn": Match.any_value()})]},
    )


def test_control_plane_logs_go_to_the_log_group_eks_would_create() -> None:
    _cluster(log_retention_days=30).has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/aws/eks/c1/cluster", "RetentionInDays": 30}
    )


def _cluster_props(template: Template) -> dict:
    (cluster,) = template.find_resources("AWS::EKS::Cluster").values()
    return cluster["Properties"]


def test_zonal_shift_and_a_provisioned_tier_only_when_asked_for() -> None:
    plain = _cluster_props(_cluster())
    assert "ZonalShiftConfig" not in plain
    assert "ControlPlaneScalingConfig" not in plain
    asked = _cluster_props(_cluster(zonal_shift=True, control_plane_tier="TIER_2_XL"))
    assert asked["ZonalShiftConfig"] == {"Enabled": True}
    assert asked["ControlPlaneScalingConfig"] == {"Tier": "tier-2xl"}


def test_deletion_protection_is_on_unless_turned_off_and_always_written() -> None:
    assert _cluster_props(_cluster())["DeletionProtection"] is True
    assert _cluster_props(_cluster(deletion_protection=False))["DeletionProtection"] is False
