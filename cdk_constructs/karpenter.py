"""The AWS side of Karpenter, so the in-cluster controller needs nothing else from AWS.

- the controller's role, through Pod Identity (kube-system/karpenter), scoped by tags to
  what Karpenter itself launched for this cluster (the policy follows Karpenter's own
  reference CloudFormation for v1);
- the role of the nodes Karpenter launches, and its EC2_LINUX access entry;
- the interruption queue (encrypted with the stack's key) and the EventBridge rules that feed it (Spot interruptions,
  rebalance recommendations, instance state changes, scheduled health events).

Discovery: the network stack tags the private subnets `karpenter.sh/discovery=<cluster>`;
an EC2NodeClass selects the cluster security group by EKS's own `aws:eks:cluster-name` tag.
Installing the controller's chart is left to the cluster's GitOps tooling: berth runs no kubectl.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge
from cdk_constructs.eks_node_groups import NODE_GROUP_POLICIES, node_role
from cdk_constructs.platform_key import PlatformKey
from cdk_constructs.pod_identity import PodIdentityRole

NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "karpenter"

_INTERRUPTION_EVENTS = {
    "ScheduledChange": ("aws.health", "AWS Health Event"),
    "SpotInterruption": ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    "Rebalance": ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
    "InstanceStateChange": ("aws.ec2", "EC2 Instance State-change Notification"),
}


def discovery_tags(cluster_name: str) -> dict[str, str]:
    return {"karpenter.sh/discovery": cluster_name}


class KarpenterIdentity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cluster: eks.Cluster, cluster_name: str, key: PlatformKey) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.node_role = node_role(self, "NodeRole", policies=NODE_GROUP_POLICIES, description="Nodes launched by Karpenter")
        eks.AccessEntry(
            self,
            "NodeAccess",
            cluster=cluster,
            principal=self.node_role.role_arn,
            access_entry_type=eks.AccessEntryType.EC2_LINUX,
            access_policies=[],
        )
        self.queue = sqs.Queue(
            self,
            "InterruptionQueue",
            retention_period=Duration.minutes(5),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key.key,
            enforce_ssl=True,
        )
        # EventBridge writes interruption events into the encrypted queue.
        key.allow_service_to_encrypt("events.amazonaws.com", sid="AllowEventBridgeToEncryptedQueue")
        acknowledge(
            self.queue,
            "SQS3",
            "The interruption queue carries short-lived notices (kept 5 minutes) that Karpenter acts on at once; a "
            "dead-letter queue would only keep stale notices about instances already gone.",
        )
        for rule_id, (source, detail_type) in _INTERRUPTION_EVENTS.items():
            events.Rule(
                self,
                rule_id,
                event_pattern=events.EventPattern(source=[source], detail_type=[detail_type]),
                targets=[targets.SqsQueue(self.queue)],
            )
        identity = PodIdentityRole(
            self,
            "Controller",
            cluster_name=cluster.cluster_name,
            cluster_arn=cluster.cluster_arn,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            description="Karpenter controller",
        )
        self.controller_role = identity.role
        self._controller_policy(stack, cluster, cluster_name)
        key.key.grant_decrypt(self.controller_role)

    def _controller_policy(self, stack: Stack, cluster: eks.Cluster, cluster_name: str) -> None:
        p, region, account = stack.partition, stack.region, stack.account
        owned = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}": "owned"}
        request_owned = {
            f"aws:RequestTag/kubernetes.io/cluster/{cluster_name}": "owned",
            "aws:RequestTag/eks:eks-cluster-name": cluster_name,
        }
        launched = [
            f"arn:{p}:ec2:{region}:*:{kind}/*"
            for kind in ("fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request")
        ]
        profiles = f"arn:{p}:iam::{account}:instance-profile/*"
        statements = {
            "AllowScopedEC2InstanceAccessActions": (
                "RunInstances/CreateFleet may use any image, snapshot, security group and subnet the NodeClass selects; "
                "their ids are chosen at run time by discovery tags.",
                iam.PolicyStatement(
                    actions=["ec2:RunInstances", "ec2:CreateFleet"],
                    resources=[f"arn:{p}:ec2:{region}::image/*", f"arn:{p}:ec2:{region}::snapshot/*"]
                    + [f"arn:{p}:ec2:{region}:*:{k}/*" for k in ("security-group", "subnet", "capacity-reservation")],
                ),
            ),
            "AllowScopedEC2LaunchTemplateAccessActions": (
                "Only launch templates tagged as owned by this cluster (Karpenter names them at run time).",
                iam.PolicyStatement(
                    actions=["ec2:RunInstances", "ec2:CreateFleet"],
                    resources=[f"arn:{p}:ec2:{region}:*:launch-template/*"],
                    conditions={"StringEquals": owned, "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}},
                ),
            ),
            "AllowScopedEC2InstanceActionsWithTags": (
                "Creates only resources that carry this cluster's ownership tags in the request.",
                iam.PolicyStatement(
                    actions=["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                    resources=launched,
                    conditions={"StringEquals": request_owned, "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"}},
                ),
            ),
            "AllowScopedResourceCreationTagging": (
                "Tags only at creation, through RunInstances/CreateFleet/CreateLaunchTemplate, with this cluster's tags.",
                iam.PolicyStatement(
                    actions=["ec2:CreateTags"],
                    resources=launched,
                    conditions={
                        "StringEquals": {**request_owned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]},
                        "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
                    },
                ),
            ),
            "AllowScopedResourceTagging": (
                "Retags only instances this cluster owns, and never their ownership tags.",
                iam.PolicyStatement(
                    actions=["ec2:CreateTags"],
                    resources=[f"arn:{p}:ec2:{region}:*:instance/*"],
                    conditions={
                        "StringEquals": owned,
                        "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                        "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster_name},
                        "ForAllValues:StringEquals": {"aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]},
                    },
                ),
            ),
            "AllowScopedDeletion": (
                "Terminates only instances and deletes only launch templates tagged as owned by this cluster.",
                iam.PolicyStatement(
                    actions=["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                    resources=[f"arn:{p}:ec2:{region}:*:instance/*", f"arn:{p}:ec2:{region}:*:launch-template/*"],
                    conditions={"StringEquals": owned, "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}},
                ),
            ),
            "AllowRegionalReadActions": (
                "EC2 Describe* calls support no resource-level permissions; limited to this region.",
                iam.PolicyStatement(
                    actions=[
                        "ec2:DescribeCapacityReservations",
                        "ec2:DescribeImages",
                        "ec2:DescribeInstances",
                        "ec2:DescribeInstanceTypeOfferings",
                        "ec2:DescribeInstanceTypes",
                        "ec2:DescribeLaunchTemplates",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSpotPriceHistory",
                        "ec2:DescribeSubnets",
                    ],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": region}},
                ),
            ),
            "AllowSSMReadActions": (
                "Reads AWS's public AMI parameters (/aws/service/...), which Karpenter resolves per AMI family.",
                iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[f"arn:{p}:ssm:{region}::parameter/aws/service/*"]),
            ),
            "AllowPricingReadActions": (
                "pricing:GetProducts supports no resource-level permissions.",
                iam.PolicyStatement(actions=["pricing:GetProducts"], resources=["*"]),
            ),
            "AllowScopedInstanceProfileActions": (
                "Karpenter creates one instance profile per NodeClass at run time; limited by tags to this cluster's, in this region.",
                iam.PolicyStatement(
                    actions=[
                        "iam:CreateInstanceProfile",
                        "iam:TagInstanceProfile",
                        "iam:AddRoleToInstanceProfile",
                        "iam:RemoveRoleFromInstanceProfile",
                        "iam:DeleteInstanceProfile",
                    ],
                    resources=[profiles],
                    conditions={
                        "StringEquals": {
                            f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}": "owned",
                            "aws:ResourceTag/topology.kubernetes.io/region": region,
                        },
                        "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"},
                    },
                ),
            ),
            "AllowInstanceProfileReadActions": (
                "Reads instance profiles, whose names Karpenter generates.",
                iam.PolicyStatement(actions=["iam:GetInstanceProfile", "iam:ListInstanceProfiles"], resources=[profiles]),
            ),
        }
        for sid, (_, statement) in statements.items():
            statement.sid = sid
            self.controller_role.add_to_principal_policy(statement)
        self.controller_role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="AllowInterruptionQueueActions",
                actions=["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
                resources=[self.queue.queue_arn],
            )
        )
        self.controller_role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="AllowPassingInstanceRole",
                actions=["iam:PassRole"],
                resources=[self.node_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]}},
            )
        )
        self.controller_role.add_to_principal_policy(
            iam.PolicyStatement(sid="AllowAPIServerEndpointDiscovery", actions=["eks:DescribeCluster"], resources=[cluster.cluster_arn])
        )
        policy = self.controller_role.node.find_child("DefaultPolicy")
        acknowledged: set[str] = set()
        for reason, statement in statements.values():
            for resource in statement.resources:
                if "*" in resource and resource not in acknowledged:
                    acknowledged.add(resource)
                    acknowledge(policy, f"IAM5[Resource::{resource}]", reason)
