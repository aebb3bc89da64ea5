"""berth's deploy-readiness rules: templates that pass every compliance check but fail on AWS.

cdk-nag, checkov and cfn-lint check a template's shape; none asks whether AWS will accept it
in a fresh account, whether a failed deploy can be retried, or whether the platform works
afterwards. Each rule here is one class of defect found in berth's own templates, read
against AWS's documentation:
- a topic policy replaces SNS's default policy:
  https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
- an SQS queue admits only its account's principals unless its policy says otherwise:
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
- DeletionPolicy Retain holds on the rollback of a failed create:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
- EKS Auto Mode runs no kube-dns Service (aws/containers-roadmap#2546);
- a new AMI replaces no running instance by itself:
  https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh.html
- a service uses a customer-managed key only if the key policy lets it:
  https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-services.html
- on EC2 the ECS agent mounts ECS Exec's log directory itself (amazon-ecs-agent
  agent/engine/execcmd/manager_init_task_linux.go);
- with egress denied by default, a task, node or function whose security group does not
  allow HTTPS out cannot pull images, deliver logs or call AWS at all (Amazon ECS task
  networking: the task ENI carries the image pull and log traffic on Fargate platform 1.4;
  Lambda in a VPC reaches AWS only through its ENI).
"""

from __future__ import annotations

from typing import Any

from cdk_constructs.checks.rule import TemplateRule
from cdk_constructs.checks.template import StackTemplate, allows_service, as_list, refers_to

# (publishing resource type, the service principal that publishes, the properties naming the destination)
Publishers = tuple[tuple[str, str, tuple[str, ...]], ...]
_TOPIC_PUBLISHERS: Publishers = (
    ("AWS::CloudWatch::Alarm", "cloudwatch.amazonaws.com", ("AlarmActions", "OKActions", "InsufficientDataActions")),
    ("AWS::Events::Rule", "events.amazonaws.com", ("Targets",)),
    ("AWS::S3::Bucket", "s3.amazonaws.com", ("NotificationConfiguration",)),
)
_QUEUE_PUBLISHERS: Publishers = (
    ("AWS::Events::Rule", "events.amazonaws.com", ("Targets",)),
    ("AWS::SNS::Subscription", "sns.amazonaws.com", ("Endpoint",)),
    ("AWS::S3::Bucket", "s3.amazonaws.com", ("NotificationConfiguration",)),
)
AUTO_SCALING_SERVICE_LINKED_ROLE = "AWSServiceRoleForAutoScaling"


def publishers(template: StackTemplate, target: str, kinds: Publishers) -> set[str]:
    """The service principals that deliver into the resource `target` (a logical id)."""
    return {
        service
        for type_, service, fields in kinds
        for _, resource in template.of_type(type_)
        if any(refers_to(resource.get("Properties", {}).get(f), target) for f in fields)
    }


def unallowed_publishers(template: StackTemplate, target: str, *, policy: tuple[str, str], kinds: Publishers, action: str) -> list[str]:
    """Publishers of `target` that its resource policies (`policy`: their type, and the property
    that names the target) do not allow. With no policy at all, every publisher is returned:
    whether the service's default policy admits it is for the caller to say."""
    services = publishers(template, target, kinds)
    policies = [p.get("Properties", {}).get("PolicyDocument", {}) for _, p in template.of_type(policy[0]) if refers_to(p, target)]
    return sorted(s for s in services if not any(allows_service(p, s, action) for p in policies))


def _has_policy(template: StackTemplate, type_: str, target: str) -> bool:
    return any(refers_to(p, target) for _, p in template.of_type(type_))


class TopicPolicyAllowsPublishers(TemplateRule):
    rule_id = "DR1"
    resource_type = "AWS::SNS::Topic"
    info = "A service publishes to this topic (alarms, EventBridge, S3), but the topic policy does not allow that service."
    explanation = (
        "A topic policy replaces SNS's default policy. `enforce_ssl` alone writes a policy with only the TLS deny, so "
        "CloudWatch can no longer publish: every alarm action fails, visible only in the alarm's history. Allow sns:Publish "
        "to each publishing service principal, scoped by aws:SourceAccount and aws:SourceArn."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        if not _has_policy(template, "AWS::SNS::TopicPolicy", logical_id):
            return True  # SNS's default policy admits this account's services
        policy = ("AWS::SNS::TopicPolicy", "Topics")
        return not unallowed_publishers(template, logical_id, policy=policy, kinds=_TOPIC_PUBLISHERS, action="sns:Publish")


class QueuePolicyAllowsPublishers(TemplateRule):
    rule_id = "DR2"
    resource_type = "AWS::SQS::Queue"
    info = "A service sends to this queue (EventBridge, SNS, S3), but no queue policy allows that service."
    explanation = (
        "An SQS queue's default policy admits only its own account's IAM principals: an EventBridge rule, SNS "
        "subscription or S3 notification that targets it delivers nothing unless a queue policy allows sqs:SendMessage "
        "to that service principal (scoped by aws:SourceArn)."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        policy = ("AWS::SQS::QueuePolicy", "Queues")
        return not unallowed_publishers(template, logical_id, policy=policy, kinds=_QUEUE_PUBLISHERS, action="sqs:SendMessage")


# Resource types berth (or a team extending it) may give a fixed name, and the property that
# holds it. A physical name is what makes a resource left over by a rollback block the retry.
NAME_PROPERTIES: dict[str, str] = {
    "AWS::EKS::Cluster": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SSM::Parameter": "Name",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
    "AWS::WAFv2::WebACL": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
}


class NamedResourceRetainedOnFailedCreate(TemplateRule):
    rule_id = "DR3"
    resource_type = tuple(NAME_PROPERTIES)
    info = "A resource with a fixed name has DeletionPolicy Retain: a failed first create leaves it behind and the retry fails."
    explanation = (
        "CloudFormation honours DeletionPolicy: Retain when it rolls back a failed create. A resource with a fixed name then "
        "survives the rollback, the retry fails with 'already exists', and a retained cluster keeps billing. Use "
        "RetainExceptOnCreate (RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE): it deletes what a failed create made."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        resource = template.resources[logical_id]
        if resource.get("DeletionPolicy") != "Retain":
            return True
        return NAME_PROPERTIES.get(resource["Type"]) not in template.props(logical_id)


class AutoModeFargateProfileHasDns(TemplateRule):
    rule_id = "DR4"
    resource_type = "AWS::EKS::FargateProfile"
    info = "A Fargate profile on an EKS Auto Mode cluster: its pods have no cluster DNS."
    explanation = (
        "EKS Auto Mode resolves DNS on its own nodes and runs no kube-dns Service (aws/containers-roadmap#2546). Fargate "
        "nodes are not Auto Mode nodes, so pods that a Fargate profile selects cannot resolve any name. Let Auto Mode run "
        "those pods, or use node groups without Auto Mode."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        cluster_ref = template.props(logical_id).get("ClusterName")
        for name, cluster in template.of_type("AWS::EKS::Cluster"):
            props = cluster.get("Properties", {})
            if refers_to(cluster_ref, name) or cluster_ref == props.get("Name"):
                return not props.get("ComputeConfig", {}).get("Enabled")
        return True


class MovingAmiHasReplacement(TemplateRule):
    rule_id = "DR5"
    resource_type = "AWS::AutoScaling::AutoScalingGroup"
    info = "The group follows an AMI that moves (an SSM parameter), but nothing replaces its running instances."
    explanation = (
        "A new AMI behind an SSM parameter only makes a new launch-template version at the next deploy: the group launches "
        "new instances from it but replaces none of the running ones (and ECS managed termination protection keeps them). "
        "Add an update policy (rolling or replacing update) or an instance refresh on launch-template change."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        if not _follows_moving_ami(template, template.props(logical_id)):
            return True
        policy = template.resources[logical_id].get("UpdatePolicy", {})
        if "AutoScalingRollingUpdate" in policy or "AutoScalingReplacingUpdate" in policy:
            return True
        return any(
            "StartInstanceRefresh" in str(r.get("Properties", {}).get("Update"))
            and refers_to(r.get("Properties", {}).get("Update"), logical_id)
            for _, r in template.of_type("Custom::")
        )


def _follows_moving_ami(template: StackTemplate, group: dict[str, Any]) -> bool:
    for name, lt in template.of_type("AWS::EC2::LaunchTemplate"):
        if not refers_to(group.get("LaunchTemplate"), name):
            continue
        image = lt.get("Properties", {}).get("LaunchTemplateData", {}).get("ImageId")
        if isinstance(image, dict) and template.parameter_type(image.get("Ref", "")).startswith("AWS::SSM::Parameter::Value"):
            return True
        if isinstance(image, str) and image.startswith("{{resolve:ssm"):
            return True
    return False


class KeyPolicyAllowsServiceUsers(TemplateRule):
    rule_id = "DR6"
    resource_type = "AWS::KMS::Key"
    info = (
        "A service uses this key (log groups, encrypted topics or queues, EBS volumes of an Auto Scaling group) but the key "
        "policy does not allow it."
    )
    explanation = (
        "An identity policy cannot let an AWS service use a customer-managed key: the key policy must. CloudWatch Logs "
        "refuses to create a log group with a key it cannot use; an alarm or EventBridge rule cannot publish to an "
        "encrypted topic or queue; the Auto Scaling service-linked role cannot launch instances with encrypted volumes."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        return not key_policy_gaps(template, logical_id)


def key_policy_gaps(template: StackTemplate, key: str) -> list[str]:
    """The services that use `key` in the template and that its key policy does not allow."""
    policy = template.props(key).get("KeyPolicy", {})
    needed: set[str] = set()
    if any(refers_to(g.get("Properties", {}).get("KmsKeyId"), key) for _, g in template.of_type("AWS::Logs::LogGroup")):
        needed.add("logs.amazonaws.com")
    for type_, kinds in (("AWS::SNS::Topic", _TOPIC_PUBLISHERS), ("AWS::SQS::Queue", _QUEUE_PUBLISHERS)):
        for name, r in template.of_type(type_):
            if refers_to(r.get("Properties", {}).get("KmsMasterKeyId"), key):
                needed |= publishers(template, name, kinds)
    gaps = sorted(s for s in needed if not allows_service(policy, s, "kms:GenerateDataKey"))
    if _encrypts_group_volumes(template, key) and not _allows_auto_scaling_role(policy):
        gaps.append(AUTO_SCALING_SERVICE_LINKED_ROLE)
    return gaps


def _encrypts_group_volumes(template: StackTemplate, key: str) -> bool:
    """Whether an Auto Scaling group or a node group launches from a template whose volumes use `key`."""
    templates = [
        name
        for name, lt in template.of_type("AWS::EC2::LaunchTemplate")
        if any(
            refers_to(m.get("Ebs", {}).get("KmsKeyId"), key)
            for m in as_list(lt.get("Properties", {}).get("LaunchTemplateData", {}).get("BlockDeviceMappings"))
        )
    ]
    users = [*template.of_type("AWS::AutoScaling::AutoScalingGroup"), *template.of_type("AWS::EKS::Nodegroup")]
    return any(refers_to(u.get("Properties", {}).get("LaunchTemplate"), t) for _, u in users for t in templates)


def _allows_auto_scaling_role(policy: dict[str, Any]) -> bool:
    """The service-linked role named as the principal, or through an aws:PrincipalArn condition."""
    for statement in as_list(policy.get("Statement")):
        named = AUTO_SCALING_SERVICE_LINKED_ROLE in f"{statement.get('Principal')} {statement.get('Condition')}"
        actions = as_list(statement.get("Action"))
        if (
            statement.get("Effect") == "Allow"
            and named
            and any(a in ("kms:*", "*") or str(a).startswith("kms:GenerateDataKey") for a in actions)
        ):
            return True
    return False


EXEC_LOG_PATH = "/var/log/amazon/ssm"


class ExecLogMountOnEc2(TemplateRule):
    rule_id = "DR7"
    resource_type = "AWS::ECS::TaskDefinition"
    info = f"An EC2 task definition mounts a volume at {EXEC_LOG_PATH}, where the ECS agent mounts ECS Exec's logs."
    explanation = (
        f"On EC2 the ECS agent bind-mounts /var/log/ecs/exec/<task>/<container> at {EXEC_LOG_PATH} for ECS Exec "
        "(amazon-ecs-agent, execcmd/manager_init_task_linux.go): a second mount on the same path stops the container from "
        "starting. Fargate does not mount it, so there the path must be a writable volume when the root is read-only."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        props = template.props(logical_id)
        if "EC2" not in as_list(props.get("RequiresCompatibilities")):
            return True
        containers = as_list(props.get("ContainerDefinitions"))
        return not any(m.get("ContainerPath") == EXEC_LOG_PATH for c in containers for m in as_list(c.get("MountPoints")))


# Resources that run code and reach AWS through their security groups, with the property
# naming those groups.
_GROUP_USERS = (
    ("AWS::ECS::Service", "NetworkConfiguration"),
    ("AWS::Events::Rule", "Targets"),
    ("AWS::Lambda::Function", "VpcConfig"),
    ("AWS::EC2::LaunchTemplate", "LaunchTemplateData"),
)


def _allows_https(rule: dict[str, Any]) -> bool:
    protocol = str(rule.get("IpProtocol"))
    if protocol == "-1":
        return True
    low, high = rule.get("FromPort"), rule.get("ToPort")
    return protocol in {"tcp", "6"} and isinstance(low, int) and isinstance(high, int) and low <= 443 <= high


class WorkloadGroupAllowsHttps(TemplateRule):
    rule_id = "DR8"
    resource_type = "AWS::EC2::SecurityGroup"
    info = "A security group of a task, node or function allows no HTTPS out: it cannot pull images, write logs or call AWS."
    explanation = (
        "Egress is denied by default; what every workload needs is HTTPS to AWS's APIs (ECR, CloudWatch Logs, Secrets "
        "Manager, the ECS agent's endpoints). A group that tasks, container instances or a Lambda function use without "
        "an HTTPS egress rule deploys cleanly and then fails at run time, with image pull or log delivery errors."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        used = any(
            refers_to(resource.get("Properties", {}).get(prop), logical_id)
            for type_, prop in _GROUP_USERS
            for _, resource in template.of_type(type_)
        )
        if not used:
            return True
        rules = as_list(template.props(logical_id).get("SecurityGroupEgress"))
        return any(_allows_https(r) for r in rules) or any(
            refers_to(r.get("Properties", {}).get("GroupId"), logical_id) and _allows_https(r.get("Properties", {}))
            for _, r in template.of_type("AWS::EC2::SecurityGroupEgress")
        )


RULES: tuple[TemplateRule, ...] = (
    TopicPolicyAllowsPublishers(),
    QueuePolicyAllowsPublishers(),
    NamedResourceRetainedOnFailedCreate(),
    AutoModeFargateProfileHasDns(),
    MovingAmiHasReplacement(),
    KeyPolicyAllowsServiceUsers(),
    ExecLogMountOnEc2(),
    WorkloadGroupAllowsHttps(),
)
