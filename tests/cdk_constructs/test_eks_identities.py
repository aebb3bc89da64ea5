"""The AWS side of the in-cluster autoscalers and the managed add-ons, each on a bare cluster:
ClusterAutoscalerIdentity, KarpenterIdentity, ManagedAddons."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy

from cdk_constructs.cluster_autoscaler import ClusterAutoscalerIdentity
from cdk_constructs.eks_addons import ManagedAddons
from cdk_constructs.karpenter import KarpenterIdentity
from cdk_constructs.platform_key import PlatformKey
from tests.cdk_constructs.support import bare


def test_cluster_autoscaler_scales_only_groups_this_cluster_owns() -> None:
    b = bare()
    ClusterAutoscalerIdentity(b.stack, "Autoscaler", cluster=b.eks_cluster(), cluster_name="c1")
    template = b.template()
    template.has_resource_properties(
        "AWS::EKS::PodIdentityAssociation", {"Namespace": "kube-system", "ServiceAccount": "cluster-autoscaler"}
    )
    policies = json.dumps([p["Properties"]["PolicyDocument"] for p in template.find_resources("AWS::IAM::Policy").values()])
    assert "autoscaling:SetDesiredCapacity" in policies
    assert "k8s.io/cluster-autoscaler/c1" in policies


def test_karpenter_gets_its_controller_role_node_role_and_interruption_queue() -> None:
    b = bare()
    key = PlatformKey(b.stack, "Platform", alias="alias/test", description="test", removal_policy=RemovalPolicy.DESTROY)
    KarpenterIdentity(b.stack, "Karpenter", cluster=b.eks_cluster(), cluster_name="c1", key=key)
    template = b.template()
    template.resource_count_is("AWS::SQS::Queue", 1)
    template.has_resource_properties("AWS::EKS::PodIdentityAssociation", {"Namespace": "kube-system", "ServiceAccount": "karpenter"})
    rules = template.find_resources("AWS::Events::Rule")
    assert len(rules) >= 2, "Spot interruptions, rebalance, state changes and health events reach the queue"


def test_managed_addons_are_pinned_and_the_cni_gets_its_own_role() -> None:
    b = bare()
    versions = {"vpc-cni": "v1.20.4-eksbuild.2", "eks-pod-identity-agent": "v1.3.8-eksbuild.2", "coredns": "v1.12.4-eksbuild.1"}
    ManagedAddons(b.stack, "Addons", cluster=b.eks_cluster(), versions=versions)
    template = b.template()
    addons = {a["Properties"]["AddonName"]: a for a in template.find_resources("AWS::EKS::Addon").values()}
    assert {name: a["Properties"]["AddonVersion"] for name, a in addons.items()} == versions
    assert addons["vpc-cni"]["Properties"]["PodIdentityAssociations"][0]["ServiceAccount"] == "aws-node"
    assert "DependsOn" in addons["vpc-cni"], "the CNI waits for the Pod Identity agent"
