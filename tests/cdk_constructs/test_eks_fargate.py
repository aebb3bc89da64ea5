"""FargateProfile alone: selectors and a pod execution role limited to this cluster."""

from __future__ import annotations

import json

from cdk_constructs.eks_fargate import FargateProfile, FargateProfileProps, FargateSelector
from tests.cdk_constructs.support import bare


def test_selectors_and_a_role_only_this_clusters_profiles_may_assume() -> None:
    b = bare()
    cluster = b.eks_cluster()
    props = FargateProfileProps(
        name="batch", selectors=(FargateSelector(namespace="batch", labels={"runtime": "fargate"}), FargateSelector(namespace="jobs"))
    )
    FargateProfile(b.stack, "Batch", cluster=cluster, vpc=b.vpc, props=props)
    template = b.template()
    template.has_resource_properties(
        "AWS::EKS::FargateProfile",
        {"Selectors": [{"Namespace": "batch", "Labels": [{"Key": "runtime", "Value": "fargate"}]}, {"Namespace": "jobs"}]},
    )
    roles = [
        r for r in template.find_resources("AWS::IAM::Role").values() if "Fargate profile batch" in r["Properties"].get("Description", "")
    ]
    (role,) = roles
    trust = json.dumps(role["Properties"]["AssumeRolePolicyDocument"])
    assert "eks-fargate-pods.amazonaws.com" in trust
    assert "fargateprofile/" in trust
