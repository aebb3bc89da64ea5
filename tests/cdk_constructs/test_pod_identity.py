"""WorkloadIdentity alone: the Pod Identity trust, the association, only the given grants."""

from __future__ import annotations

import json

from cdk_constructs.grants import Permission
from cdk_constructs.pod_identity import WorkloadIdentity
from tests.cdk_constructs.support import bare

CLUSTER_ARN = "arn:aws:eks:eu-west-1:111111111111:cluster/c1"


def test_a_service_account_gets_a_role_only_pods_of_this_cluster_assume() -> None:
    b = bare()
    grant = Permission(actions=("sqs:ReceiveMessage",), resources=("arn:aws:sqs:eu-west-1:111111111111:orders",))
    WorkloadIdentity(
        b.stack, "Orders", cluster_name="c1", cluster_arn=CLUSTER_ARN, namespace="orders", service_account="api", permissions=(grant,)
    )
    template = b.template()
    template.has_resource_properties(
        "AWS::EKS::PodIdentityAssociation", {"ClusterName": "c1", "Namespace": "orders", "ServiceAccount": "api"}
    )
    (role,) = [r for r in template.find_resources("AWS::IAM::Role").values() if "pods.eks" in json.dumps(r)]
    trust = json.dumps(role["Properties"]["AssumeRolePolicyDocument"])
    assert "pods.eks.amazonaws.com" in trust
    assert "sts:TagSession" in trust
    assert CLUSTER_ARN in trust
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "sqs:ReceiveMessage", "Effect": "Allow", "Resource": "arn:aws:sqs:eu-west-1:111111111111:orders"}
    ]
