"""The EKS stack: one behaviour per test, for every promise of the EKS issue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Match

from config import load_config
from stacks.context import project_context
from stacks.platform import build_app
from tests.assembly import Assembly
from tests.factories import environment


def _cluster(assembly: Assembly) -> dict[str, Any]:
    (cluster,) = assembly.resources("eks", "AWS::EKS::Cluster").values()
    return cluster


def _nodegroups(assembly: Assembly) -> list[dict[str, Any]]:
    return [n["Properties"] for n in assembly.resources("eks", "AWS::EKS::Nodegroup").values()]


def test_native_resources_only_no_lambda_custom_resource_nested_stack_or_asset(assembly: Assembly) -> None:
    stack = assembly.stack("eks")
    types = {r["Type"] for r in assembly.template_json(stack)["Resources"].values()}
    assert "AWS::Lambda::Function" not in types
    assert not any(t.startswith("Custom::") or t == "AWS::CloudFormation::Stack" for t in types), types
    assets = json.loads((assembly.outdir / f"{stack}.assets.json").read_text())
    sources = [f["source"]["path"] for f in assets.get("files", {}).values()]
    assert sources == [f"{stack}.template.json"], "no file asset but the template itself"
    assert not assets.get("dockerImages")


def test_cluster_name_and_version_from_config(dev: Assembly, prod: Assembly) -> None:
    assert _cluster(dev)["Properties"]["Name"] == "berth-dev"
    assert _cluster(prod)["Properties"]["Version"] == "1.34"


def test_support_policy_written_from_config(dev: Assembly, prod: Assembly) -> None:
    """Explicit in the template even for EKS's default, so a reviewer sees which applies."""
    assert _cluster(dev)["Properties"]["UpgradePolicy"] == {"SupportType": "STANDARD"}
    assert _cluster(prod)["Properties"]["UpgradePolicy"] == {"SupportType": "EXTENDED"}


def test_endpoint_private_by_default(prod: Assembly) -> None:
    vpc = _cluster(prod)["Properties"]["ResourcesVpcConfig"]
    assert vpc["EndpointPublicAccess"] is False
    assert vpc["EndpointPrivateAccess"] is True


def test_public_endpoint_is_an_explicit_allow_list(dev: Assembly) -> None:
    vpc = _cluster(dev)["Properties"]["ResourcesVpcConfig"]
    assert vpc["EndpointPublicAccess"] is True
    assert vpc["PublicAccessCidrs"] == ["203.0.113.0/24"]


def test_control_plane_in_private_subnets(assembly: Assembly) -> None:
    subnets = json.dumps(_cluster(assembly)["Properties"]["ResourcesVpcConfig"]["SubnetIds"])
    assert "privatesubnetids" in subnets
    assert "publicsubnetids" not in json.dumps(assembly.template_json(assembly.stack("eks"))["Parameters"])


def test_all_five_control_plane_log_types(assembly: Assembly) -> None:
    types = {t["Type"] for t in _cluster(assembly)["Properties"]["Logging"]["ClusterLogging"]["EnabledTypes"]}
    assert types == {"api", "audit", "authenticator", "controllerManager", "scheduler"}


def test_control_plane_log_group_created_first_with_retention_and_key(prod: Assembly) -> None:
    (logical, group) = next(iter(prod.resources("eks", "AWS::Logs::LogGroup").items()))
    assert group["Properties"]["LogGroupName"] == "/aws/eks/berth-prod/cluster"
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    assert logical in _cluster(prod)["DependsOn"]


def test_secrets_envelope_encryption_with_rotating_customer_key(assembly: Assembly) -> None:
    (config,) = _cluster(assembly)["Properties"]["EncryptionConfig"]
    assert config["Resources"] == ["secrets"]
    (key_id,) = assembly.resources("eks", "AWS::KMS::Key")
    assert config["Provider"]["KeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assembly.template("eks").has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_access_entries_only_and_no_creator_admin(assembly: Assembly) -> None:
    access = _cluster(assembly)["Properties"]["AccessConfig"]
    assert access == {"AuthenticationMode": "API", "BootstrapClusterCreatorAdminPermissions": False}


def test_admin_and_viewer_principals_from_config(prod: Assembly) -> None:
    entries = {
        e["Properties"]["PrincipalArn"]: e["Properties"]["AccessPolicies"] for e in prod.resources("eks", "AWS::EKS::AccessEntry").values()
    }
    assert set(entries) == {
        "arn:aws:iam::222222222222:role/platform-admin",
        "arn:aws:iam::222222222222:role/developer",
        "arn:aws:iam::222222222222:role/auditor",
    }
    assert "AmazonEKSClusterAdminPolicy" in json.dumps(entries["arn:aws:iam::222222222222:role/platform-admin"])
    assert "AmazonEKSViewPolicy" in json.dumps(entries["arn:aws:iam::222222222222:role/developer"])


def test_no_default_unmanaged_capacity(prod: Assembly) -> None:
    assert len(_nodegroups(prod)) == 4
    prod.template("eks").resource_count_is("AWS::AutoScaling::AutoScalingGroup", 0)


def test_node_groups_from_config(prod: Assembly) -> None:
    groups = {tuple(g["InstanceTypes"]): g for g in _nodegroups(prod)}
    system = groups[("m7g.large",)]
    assert (system["AmiType"], system["CapacityType"], system["ReleaseVersion"]) == ("BOTTLEROCKET_ARM_64", "ON_DEMAND", "1.51.0-47438798")
    assert system["ScalingConfig"] == {"MinSize": 3, "DesiredSize": 3, "MaxSize": 6}
    assert system["Labels"] == {"role": "system"}
    assert system["Taints"] == [{"Key": "CriticalAddonsOnly", "Value": "true", "Effect": "NO_SCHEDULE"}]
    spot = groups[("m7i.xlarge", "m6i.xlarge", "m7a.xlarge", "m6a.xlarge")]
    assert spot["CapacityType"] == "SPOT"
    assert spot["UpdateConfig"] == {"MaxUnavailablePercentage": 20}
    assert spot["NodeRepairConfig"] == {"Enabled": True}


def test_node_groups_have_no_fixed_names_and_no_ssh(prod: Assembly) -> None:
    for group in _nodegroups(prod):
        assert "NodegroupName" not in group
        assert "RemoteAccess" not in group
        assert "DiskSize" not in group, "disk size lives in the launch template"


def test_node_launch_templates_imdsv2_hop_1_encrypted_gp3(prod: Assembly) -> None:
    templates = prod.resources("eks", "AWS::EC2::LaunchTemplate").values()
    devices = []
    for template in templates:
        data = template["Properties"]["LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpTokens"] == "required"
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
        assert "ImageId" not in data
        assert "KeyName" not in data
        for mapping in data["BlockDeviceMappings"]:
            assert mapping["Ebs"]["Encrypted"] is True
            assert mapping["Ebs"]["VolumeType"] == "gp3"
            assert "KmsKeyId" in mapping["Ebs"]
        devices.append(sorted(m["DeviceName"] for m in data["BlockDeviceMappings"]))
    assert sorted(devices) == [["/dev/xvda"]] * 3 + [["/dev/xvda", "/dev/xvdb"]], "Bottlerocket: both volumes"


def test_accelerated_groups_pair_by_berths_data_and_are_tainted_for_their_devices(prod: Assembly) -> None:
    groups = {g["Labels"]["role"]: g for g in _nodegroups(prod)}
    gpu, inference = groups["gpu"], groups["inference"]
    assert (gpu["AmiType"], gpu["InstanceTypes"]) == ("AL2023_x86_64_NVIDIA", ["g6e.xlarge", "g5.xlarge"])
    assert (inference["AmiType"], inference["InstanceTypes"]) == ("AL2023_x86_64_NEURON", ["inf2.xlarge"])
    assert gpu["Taints"] == [{"Key": "nvidia.com/gpu", "Value": "true", "Effect": "NO_SCHEDULE"}]
    assert inference["Taints"] == [{"Key": "aws.amazon.com/neuron", "Value": "true", "Effect": "NO_SCHEDULE"}]
    assert (gpu["Labels"]["accelerator"], inference["Labels"]["accelerator"]) == ("nvidia", "neuron")
    assert gpu["ScalingConfig"] == {"MinSize": 0, "DesiredSize": 0, "MaxSize": 4}


def test_node_role_has_only_the_node_policies(prod: Assembly) -> None:
    roles = prod.resources("eks", "AWS::IAM::Role")
    (node_role,) = [r for name, r in roles.items() if name.startswith("NodeRole")]
    policies = json.dumps(node_role["Properties"]["ManagedPolicyArns"])
    assert "AmazonEKSWorkerNodePolicy" in policies
    assert "AmazonEC2ContainerRegistryPullOnly" in policies
    assert "AmazonEKS_CNI_Policy" not in policies


def test_fargate_profile_selectors_private_subnets_own_role(prod: Assembly) -> None:
    (profile,) = prod.resources("eks", "AWS::EKS::FargateProfile").values()
    props = profile["Properties"]
    assert props["Selectors"] == [{"Namespace": "batch", "Labels": [{"Key": "runtime", "Value": "fargate"}]}]
    assert "privatesubnetids" in json.dumps(props["Subnets"])
    role = prod.resources("eks", "AWS::IAM::Role")[props["PodExecutionRoleArn"]["Fn::GetAtt"][0]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "eks-fargate-pods.amazonaws.com"}


def test_auto_mode_with_its_node_pools_and_minimal_node_role(dev: Assembly) -> None:
    compute = _cluster(dev)["Properties"]["ComputeConfig"]
    assert compute["Enabled"] is True
    assert sorted(compute["NodePools"]) == ["general-purpose", "system"]
    role = dev.resources("eks", "AWS::IAM::Role")[compute["NodeRoleArn"]["Fn::GetAtt"][0]]
    assert "AmazonEKSWorkerNodeMinimalPolicy" in json.dumps(role["Properties"]["ManagedPolicyArns"])


def test_auto_mode_brings_its_own_addons(dev: Assembly) -> None:
    dev.template("eks").resource_count_is("AWS::EKS::Addon", 0)


def _addons(assembly: Assembly) -> dict[str, tuple[str, dict[str, Any]]]:
    return {a["Properties"]["AddonName"]: (logical, a) for logical, a in assembly.resources("eks", "AWS::EKS::Addon").items()}


def test_addons_pinned_from_config(prod: Assembly) -> None:
    versions = {name: a["Properties"]["AddonVersion"] for name, (_, a) in _addons(prod).items()}
    assert versions == {
        "vpc-cni": "v1.20.4-eksbuild.2",
        "kube-proxy": "v1.34.1-eksbuild.2",
        "eks-pod-identity-agent": "v1.3.9-eksbuild.3",
        "coredns": "v1.12.4-eksbuild.1",
        "aws-ebs-csi-driver": "v1.51.1-eksbuild.1",
    }


def test_cni_and_ebs_csi_have_their_own_pod_identity_roles(prod: Assembly) -> None:
    addons = _addons(prod)
    for name, service_account, policy in (
        ("vpc-cni", "aws-node", "AmazonEKS_CNI_Policy"),
        ("aws-ebs-csi-driver", "ebs-csi-controller-sa", "AmazonEBSCSIDriverPolicy"),
    ):
        (association,) = addons[name][1]["Properties"]["PodIdentityAssociations"]
        assert association["ServiceAccount"] == service_account
        role = prod.resources("eks", "AWS::IAM::Role")[association["RoleArn"]["Fn::GetAtt"][0]]
        assert policy in json.dumps(role["Properties"]["ManagedPolicyArns"])
        assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}


def test_addon_order_networking_before_nodes_coredns_after(prod: Assembly) -> None:
    addons = _addons(prod)
    groups = prod.resources("eks", "AWS::EKS::Nodegroup")
    for group in groups.values():
        for name in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
            assert addons[name][0] in group["DependsOn"], name
    for name in ("coredns", "aws-ebs-csi-driver"):
        assert set(groups) <= set(addons[name][1]["DependsOn"]), name


def test_workload_pod_identity_least_privilege(prod: Assembly) -> None:
    associations = [a["Properties"] for a in prod.resources("eks", "AWS::EKS::PodIdentityAssociation").values()]
    by_account = {(a["Namespace"], a["ServiceAccount"]): a for a in associations}
    orders = by_account[("orders", "orders-api")]
    role_id = orders["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        s
        for p in prod.resources("eks", "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements == [
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": "arn:aws:sqs:eu-west-1:222222222222:berth-prod-jobs"}
    ]


def test_pod_identity_trust_is_scoped_to_this_cluster(assembly: Assembly) -> None:
    for role in assembly.resources("eks", "AWS::IAM::Role").values():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if statement["Principal"].get("Service") == "pods.eks.amazonaws.com":
            assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
            assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]


def test_cluster_autoscaler_aws_side(prod: Assembly) -> None:
    associations = [a["Properties"] for a in prod.resources("eks", "AWS::EKS::PodIdentityAssociation").values()]
    assert ("kube-system", "cluster-autoscaler") in {(a["Namespace"], a["ServiceAccount"]) for a in associations}
    prod.template("eks").has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "ScaleOwnNodeGroups",
                                "Condition": {"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/berth-prod": "owned"}},
                            }
                        )
                    ]
                )
            }
        },
    )
    for group in _nodegroups(prod):
        assert group["Tags"]["k8s.io/cluster-autoscaler/berth-prod"] == "owned"
        assert group["Tags"]["k8s.io/cluster-autoscaler/enabled"] == "true"


def test_network_tags_subnets_for_kubernetes_load_balancers(assembly: Assembly, env: str) -> None:
    subnets = assembly.resources("network", "AWS::EC2::Subnet").values()
    if load_config(env).network.existing is not None:
        # Not berth's subnets to tag: preflight checks their owner's tags (tests/tools/test_preflight_network.py).
        assert not subnets
        return
    tags = [{t["Key"]: t["Value"] for t in s["Properties"]["Tags"]} for s in subnets]
    assert sum(1 for t in tags if t.get("kubernetes.io/role/elb") == "1") == sum(
        1 for t in tags if t.get("kubernetes.io/role/internal-elb") == "1"
    )
    assert any(t.get("kubernetes.io/role/elb") == "1" for t in tags)


def test_eks_stack_deploys_after_network(assembly: Assembly) -> None:
    assert assembly.stack("network") in assembly.manifest["artifacts"][assembly.stack("eks")]["dependencies"]


def test_endpoint_open_to_the_internet_needs_both_flags_and_is_acknowledged(tmp_path: Path) -> None:
    endpoint = {"public_access": True, "public_access_cidrs": ["0.0.0.0/0"], "allow_public_internet": True}
    config = environment("dev", {"eks.endpoint": endpoint})
    build_app(config, outdir=str(tmp_path), context=project_context()).synth()
    metadata = json.loads((tmp_path / "berth-dev-eks.metadata.json").read_text())
    acks = {rule for entries in metadata.values() for e in entries if e["type"] == "aws:cdk:acknowledged-rules" for rule in e["data"]}
    assert "Berth::Berth-EKS1" in acks


def test_prod_runs_kro_ack_and_argo_cd_with_their_own_roles(prod: Assembly) -> None:
    capabilities = {c["Properties"]["CapabilityName"]: c["Properties"] for c in prod.resources("eks", "AWS::EKS::Capability").values()}
    assert {n: c["Type"] for n, c in capabilities.items()} == {"kro": "KRO", "ack": "ACK", "argocd": "ARGOCD"}
    assert len({json.dumps(c["RoleArn"]) for c in capabilities.values()}) == 3, "a role each"
    argo = capabilities["argocd"]["Configuration"]["ArgoCd"]
    assert argo["AwsIdc"] == {"IdcInstanceArn": "arn:aws:sso:::instance/ssoins-7223b6e5d1f0a1b2", "IdcRegion": "eu-west-1"}
    assert [m["Role"] for m in argo["RbacRoleMappings"]] == ["ADMIN", "VIEWER"]
    (endpoint,) = argo["NetworkAccess"]["VpceIds"]  # private: through the endpoint berth creates
    service = prod.resources("eks", "AWS::EC2::VPCEndpoint")[endpoint["Ref"]]["Properties"]["ServiceName"]
    assert service == "com.amazonaws.eu-west-1.eks-capabilities"
    policies = [p for name, p in prod.resources("eks", "AWS::IAM::Policy").items() if name.startswith("AckCapabilityRole")]
    ((statement,),) = [p["Properties"]["PolicyDocument"]["Statement"] for p in policies]
    assert statement["Resource"] == "arn:aws:sqs:eu-west-1:222222222222:team-orders-*"
