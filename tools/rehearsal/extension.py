"""berth's extension of the ministack emulator: the CloudFormation types berth uses that it
lacks, and the create-time checks AWS makes that it does not.

Runs inside the emulator's own virtualenv (.venv-rehearse; ministack pins botocore exactly),
imported by tools/rehearsal/server.py before the emulator serves. Every type added here
*checks* what AWS checks, each with the documentation page it follows: an extension that
only accepted the missing types would pass every template and catch nothing.

A check that fails raises `RefusedError`; the emulator's CloudFormation engine turns it into the
resource's CREATE_FAILED (or DELETE_FAILED) and rolls the stack back, as AWS would.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import ministack.services.alb as _alb
import ministack.services.autoscaling as _asg
import ministack.services.cloudwatch as _cw
import ministack.services.cloudwatch_logs as _logs
import ministack.services.ec2 as _ec2
import ministack.services.ecs as _ecs
import ministack.services.eks as _eks
import ministack.services.iam as _iam
import ministack.services.kms as _kms
import ministack.services.route53 as _r53
import ministack.services.secretsmanager as _secrets
import ministack.services.servicediscovery as _discovery
import ministack.services.ssm as _ssm
import ministack.services.waf as _waf
from ministack.core.responses import get_account_id, get_region, new_uuid

logger = logging.getLogger("berth-rehearsal")

Handlers = dict[str, dict[str, Any]]


class RefusedError(ValueError):
    """What AWS would answer; the engine reports it as the resource's failure reason."""


# --- helpers ------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _role_by_arn(arn: str) -> dict[str, Any] | None:
    name = arn.rsplit("/", 1)[-1]
    role = _iam._roles.get(name)
    return role if role is not None and role.get("Arn") == arn else None


def _trust(role: dict[str, Any]) -> dict[str, Any]:
    document = role.get("AssumeRolePolicyDocument") or "{}"
    if isinstance(document, str):
        from urllib.parse import unquote  # noqa: PLC0415

        document = json.loads(unquote(document))
    return document


def _trusts(role: dict[str, Any], service: str, action: str = "sts:AssumeRole") -> bool:
    for statement in _as_list(_trust(role).get("Statement")):
        principal = statement.get("Principal") or {}
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        actions = _as_list(statement.get("Action"))
        if statement.get("Effect") == "Allow" and service in services and (action in actions or "sts:*" in actions):
            return True
    return False


def _require_role(arn: str, what: str, *, trusted_by: str | None = None, also: str | None = None) -> dict[str, Any]:
    """A role that exists (IAM's "invalid principal" otherwise) and trusts `trusted_by`."""
    role = _role_by_arn(arn)
    if role is None:
        raise RefusedError(f"{what}: the role {arn} does not exist (InvalidParameterException: invalid principal)")
    if trusted_by and not _trusts(role, trusted_by):
        raise RefusedError(f"{what}: the role {arn} cannot be assumed by {trusted_by} (its trust policy does not allow it)")
    if trusted_by and also and not _trusts(role, trusted_by, also):
        raise RefusedError(f"{what}: the role {arn} must also allow {also} to {trusted_by}")
    return role


def _key_record(key_ref: str) -> dict[str, Any] | None:
    key_id = key_ref.rsplit("/", 1)[-1] if key_ref.startswith("arn:") and ":key/" in key_ref else key_ref
    if key_ref.startswith("alias/") or ":alias/" in key_ref:
        alias_arn = key_ref if key_ref.startswith("arn:") else f"arn:aws:kms:{get_region()}:{get_account_id()}:{key_ref}"
        key_id = _kms._aliases.get(alias_arn, "")
    return _kms._keys.get(key_id)


def _key_policy(record: dict[str, Any]) -> dict[str, Any]:
    policy = record.get("Policy") or record.get("KeyPolicy") or "{}"
    if isinstance(policy, dict):
        return policy
    try:
        return json.loads(policy)
    except ValueError:
        return {}


def _allows_service(policy: dict[str, Any], service: str, action: str) -> bool:
    name = service.split(".", 1)[0]
    for statement in _as_list(policy.get("Statement")):
        principal = statement.get("Principal") or {}
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if statement.get("Effect") != "Allow" or not any(s == service or str(s).startswith(f"{name}.") for s in services):
            continue
        if any(
            a in ("*", "kms:*", action) or (str(a).endswith("*") and action.startswith(str(a)[:-1]))
            for a in _as_list(statement.get("Action"))
        ):
            return True
    return False


def _wrap(handlers: Handlers, type_: str, op: str, before: Callable[..., None]) -> None:
    """Run `before(*args)` (which may refuse) ahead of the emulator's own handler."""
    original = handlers[type_][op]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        before(*args, **kwargs)
        return original(*args, **kwargs)

    handlers[type_][op] = wrapped


# --- network ------------------------------------------------------------------------------
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-eip.html
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html


def _eip_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    if props.get("Domain", "vpc") != "vpc":
        raise RefusedError("AWS::EC2::EIP: EC2-Classic addresses no longer exist; Domain must be vpc")
    allocation = f"eipalloc-{new_uuid().replace('-', '')[:17]}"
    ip = f"52.{len(_ec2._addresses) % 250}.{hash(allocation) % 250}.{hash(logical_id) % 250}"
    _ec2._addresses[allocation] = {"AllocationId": allocation, "PublicIp": ip, "Domain": "vpc", "AssociationId": None}
    return ip, {"AllocationId": allocation, "PublicIp": ip}


def _eip_delete(physical_id: str, props: dict[str, Any]) -> None:
    for allocation, record in list(_ec2._addresses.items()):
        if record.get("PublicIp") == physical_id:
            in_use = [n for n in _ec2._nat_gateways.values() if n.get("AllocationId") == allocation and n.get("State") != "deleted"]
            if in_use:
                raise RefusedError(f"InvalidIPAddress.InUse: {physical_id} is still used by {in_use[0]['NatGatewayId']}")
            _ec2._addresses.pop(allocation, None)


def _nat_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    subnet = _ec2._subnets.get(props.get("SubnetId", ""))
    if subnet is None:
        raise RefusedError(f"InvalidSubnetID.NotFound: {props.get('SubnetId')}")
    allocation = props.get("AllocationId")
    if props.get("ConnectivityType", "public") == "public":
        if allocation not in _ec2._addresses:
            raise RefusedError(f"InvalidAllocationID.NotFound: {allocation}")
        if any(n.get("AllocationId") == allocation and n.get("State") != "deleted" for n in _ec2._nat_gateways.values()):
            raise RefusedError(f"Resource.AlreadyAssociated: {allocation} is already associated with a NAT gateway")
    nat = "nat-" + new_uuid().replace("-", "")[:17]
    _ec2._nat_gateways[nat] = {
        "NatGatewayId": nat,
        "SubnetId": subnet["SubnetId"],
        "VpcId": subnet["VpcId"],
        "AllocationId": allocation,
        "ConnectivityType": props.get("ConnectivityType", "public"),
        "State": "available",
        "Tags": props.get("Tags", []),
    }
    return nat, {"NatGatewayId": nat}


def _nat_delete(physical_id: str, props: dict[str, Any]) -> None:
    record = _ec2._nat_gateways.get(physical_id)
    if record is not None:
        record["State"] = "deleted"
        _ec2._nat_gateways.pop(physical_id, None)


# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
def _flow_log_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    resource = props.get("ResourceId", "")
    if props.get("ResourceType") == "VPC" and resource not in _ec2._vpcs:
        raise RefusedError(f"InvalidVpcID.NotFound: {resource}")
    if props.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs":
        role = props.get("DeliverLogsPermissionArn")
        if not role:
            raise RefusedError("DeliverLogsPermissionArn is required to deliver flow logs to CloudWatch Logs")
        _require_role(role, "AWS::EC2::FlowLog", trusted_by="vpc-flow-logs.amazonaws.com")
        group = props.get("LogGroupName") or str(props.get("LogDestination", "")).split(":log-group:")[-1].removesuffix(":*")
        if group not in _logs._log_groups:
            raise RefusedError(f"the log group {group} does not exist (berth creates it before the flow log)")
    flow = "fl-" + new_uuid().replace("-", "")[:17]
    _ec2._flow_logs[flow] = {"FlowLogId": flow, "ResourceId": resource, "FlowLogStatus": "ACTIVE"}
    return flow, {"Id": flow}


def _flow_log_delete(physical_id: str, props: dict[str, Any]) -> None:
    _ec2._flow_logs.pop(physical_id, None)


# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroupingress.html
def _sg_rule(direction: str) -> tuple[Callable[..., Any], Callable[..., None]]:
    key = "IpPermissions" if direction == "ingress" else "IpPermissionsEgress"

    def create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
        group = _ec2._security_groups.get(props.get("GroupId", ""))
        if group is None:
            raise RefusedError(f"InvalidGroup.NotFound: {props.get('GroupId')}")
        peer = props.get("SourceSecurityGroupId") or props.get("DestinationSecurityGroupId")
        if peer and peer not in _ec2._security_groups:
            raise RefusedError(f"InvalidGroup.NotFound: the peer group {peer}")
        rule_id = f"sgr-{new_uuid().replace('-', '')[:17]}"
        group.setdefault(key, []).append({"RuleId": rule_id, **{k: v for k, v in props.items() if k != "GroupId"}})
        return rule_id, {"Id": rule_id}

    def delete(physical_id: str, props: dict[str, Any]) -> None:
        group = _ec2._security_groups.get(props.get("GroupId", ""))
        if group is not None:
            group[key] = [r for r in group.get(key, []) if r.get("RuleId") != physical_id]

    return create, delete


# --- logs and keys ----------------------------------------------------------------------------
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html


def _log_group_key_usable(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    key = props.get("KmsKeyId")
    if not key:
        return
    record = _key_record(key)
    if record is None:
        raise RefusedError(f"AWS::Logs::LogGroup: the KMS key {key} does not exist")
    if not _allows_service(_key_policy(record), "logs.amazonaws.com", "kms:GenerateDataKey"):
        raise RefusedError(
            "AWS::Logs::LogGroup: The specified KMS key does not exist or is not allowed to be used with LogGroup "
            "(its key policy does not allow logs.<region>.amazonaws.com)"
        )


# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
# A key policy naming an IAM principal that does not exist is MalformedPolicyDocumentException.
def _key_principals_exist(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    for statement in _as_list((props.get("KeyPolicy") or {}).get("Statement")):
        principal = statement.get("Principal") or {}
        for arn in _as_list(principal.get("AWS") if isinstance(principal, dict) else None):
            if not isinstance(arn, str) or ":role/" not in arn:
                continue
            if arn.split(":")[4] == get_account_id() and _role_by_arn(arn) is None:
                raise RefusedError(f"MalformedPolicyDocumentException: the key policy names {arn}, which does not exist")


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (role inline policies: 10,240 characters in all)
ROLE_INLINE_POLICY_LIMIT = 10240
_inline_sizes: dict[tuple[str, str], int] = {}


def _policy_fits(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    size = len(json.dumps(props.get("PolicyDocument", {}), separators=(",", ":")))
    for role in _as_list(props.get("Roles")):
        _inline_sizes[(role, props.get("PolicyName", logical_id))] = size
        total = sum(v for (r, _), v in _inline_sizes.items() if r == role)
        if total > ROLE_INLINE_POLICY_LIMIT:
            raise RefusedError(
                f"LimitExceeded: the inline policies of role {role} would be {total} characters; the limit is {ROLE_INLINE_POLICY_LIMIT}"
            )


# --- ECS capacity -----------------------------------------------------------------------------
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/asg-capacity-providers-create-auto-scaling-group.html


def _asg_name(arn_or_name: str) -> str:
    return arn_or_name.rsplit("autoScalingGroupName/", maxsplit=1)[-1]


def _capacity_provider_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    name = props.get("Name") or f"{stack_name}-{logical_id}-{new_uuid()[:8]}"
    if re.match(r"^(aws|ecs|fargate)", name, re.IGNORECASE):
        raise RefusedError(f"ClientException: a capacity provider name cannot start with aws, ecs or fargate: {name}")
    provider = props.get("AutoScalingGroupProvider") or {}
    group = _asg._asgs.get(_asg_name(provider.get("AutoScalingGroupArn", "")))
    if group is None:
        raise RefusedError(f"ClientException: the Auto Scaling group {provider.get('AutoScalingGroupArn')} does not exist")
    if provider.get("ManagedTerminationProtection") == "ENABLED" and not group.get("NewInstancesProtectedFromScaleIn"):
        raise RefusedError(
            "ClientException: The managed termination protection setting for the capacity provider is invalid. To enable "
            "managed termination protection for a capacity provider, the Auto Scaling group must have instance protection "
            "from scale in enabled."
        )
    arn = f"arn:aws:ecs:{get_region()}:{get_account_id()}:capacity-provider/{name}"
    _ecs._capacity_providers[name] = {"name": name, "capacityProviderArn": arn, "status": "ACTIVE", "autoScalingGroupProvider": provider}
    return name, {"Arn": arn}


def _capacity_provider_delete(physical_id: str, props: dict[str, Any]) -> None:
    for cluster in _ecs._clusters.values():
        if physical_id in (cluster.get("capacityProviders") or []):
            raise RefusedError(
                f"ResourceInUseException: the capacity provider {physical_id} is still associated with {cluster['clusterName']}"
            )
    _ecs._capacity_providers.pop(physical_id, None)


_BUILT_IN = {"FARGATE", "FARGATE_SPOT"}


def _cluster_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _association_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    name = _cluster_name(props.get("Cluster", ""))
    cluster = _ecs._clusters.get(name)
    if cluster is None:
        raise RefusedError(f"ClusterNotFoundException: {name}")
    providers = _as_list(props.get("CapacityProviders"))
    for provider in providers:
        if provider not in _BUILT_IN and provider not in _ecs._capacity_providers:
            raise RefusedError(f"InvalidParameterException: the capacity provider {provider} does not exist")
        for other in _ecs._clusters.values():
            if other is not cluster and provider not in _BUILT_IN and provider in (other.get("capacityProviders") or []):
                raise RefusedError(f"ResourceInUseException: {provider} is already associated with cluster {other['clusterName']}")
    cluster["capacityProviders"] = providers
    cluster["defaultCapacityProviderStrategy"] = props.get("DefaultCapacityProviderStrategy") or []
    return name, {}


def _services_using(cluster: str, providers: set[str]) -> list[str]:
    return [
        s.get("serviceName", "?")
        for s in _ecs._services.values()
        if _cluster_name(str(s.get("clusterArn", s.get("cluster", "")))) == cluster
        and s.get("status", "ACTIVE") != "INACTIVE"
        and {i.get("capacityProvider") for i in s.get("capacityProviderStrategy") or []} & providers
    ]


def _association_delete(physical_id: str, props: dict[str, Any]) -> None:
    """ECS refuses to detach providers that services still use (aws/aws-cdk#19275)."""
    cluster = _ecs._clusters.get(physical_id)
    if cluster is None:
        return
    using = _services_using(physical_id, set(cluster.get("capacityProviders") or []))
    if using:
        raise RefusedError(
            f"ResourceInUseException: The specified capacity provider is in use and cannot be removed (services {', '.join(using)})"
        )
    cluster["capacityProviders"] = []


def _association_update(
    physical_id: str, old_props: dict[str, Any], new_props: dict[str, Any], stack_name: str, logical_id: str | None = None
) -> tuple[str, dict[str, Any]]:
    """An in-place update, as CloudFormation does it (CapacityProviders: no interruption): one
    PutClusterCapacityProviders with the new list. ECS refuses it only when it would detach a
    provider a service still uses; adding a provider (a new capacity group) detaches nothing."""
    if _cluster_name(str(old_props.get("Cluster", ""))) != _cluster_name(str(new_props.get("Cluster", ""))):
        _association_delete(physical_id, old_props)  # another cluster: a replacement
        return _association_create(logical_id or physical_id, new_props, stack_name)
    removed = set(_as_list(old_props.get("CapacityProviders"))) - set(_as_list(new_props.get("CapacityProviders")))
    using = _services_using(physical_id, removed)
    if using:
        raise RefusedError(
            f"ResourceInUseException: The specified capacity provider is in use and cannot be removed (services {', '.join(using)})"
        )
    return _association_create(logical_id or physical_id, new_props, stack_name)


def _service_providers_associated(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    """A service's strategy may name only providers associated with its cluster, at create."""
    name = _cluster_name(str(props.get("Cluster", "default")))
    cluster = _ecs._clusters.get(name)
    associated = set(cluster.get("capacityProviders") or []) if cluster else set()
    for item in props.get("CapacityProviderStrategy") or []:
        if item.get("CapacityProvider") not in associated:
            raise RefusedError(
                f"InvalidParameterException: The specified capacity provider {item.get('CapacityProvider')} is not in an ACTIVE "
                f"state or is not associated with cluster {name} (create the association first: a DependsOn is missing)"
            )
    _task_secrets_exist(props.get("TaskDefinition", ""))


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
# ECS resolves a task's secrets when it starts the task: a missing secret stops every task,
# the service never reaches a steady state, and CloudFormation fails the service.
def _task_secrets_exist(task_definition: str) -> None:
    key = _ecs._resolve_td_key(task_definition)
    definition = _ecs._task_defs.get(key) if key else None
    if definition is None:
        raise RefusedError(f"ClientException: Unable to find task definition: {task_definition}")
    for container in definition.get("containerDefinitions") or []:
        for secret in container.get("secrets") or []:
            source = str(secret.get("valueFrom") or secret.get("ValueFrom") or "")  # the emulator keeps the template's case
            if ":secretsmanager:" in source:
                arn = ":".join(source.split(":")[:7])
                _, record = _secrets._resolve(arn)
                if record is None or record.get("ARN") != arn:
                    raise RefusedError(f"ResourceInitializationError: unable to retrieve secret from asm: {arn} does not exist")
            elif source:
                name = source.split(":parameter", 1)[-1] if source.startswith("arn:") else source
                if name not in _ssm._parameters:
                    raise RefusedError(f"ResourceInitializationError: unable to pull secrets: the SSM parameter {name} does not exist")


# --- Application Auto Scaling -----------------------------------------------------------------
# https://docs.aws.amazon.com/autoscaling/application/userguide/services-that-can-integrate-ecs.html

_scalable_targets: dict[str, dict[str, Any]] = {}
_scaling_policies: dict[str, dict[str, Any]] = {}


def _scalable_target_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    resource = props.get("ResourceId", "")
    if props.get("ServiceNamespace") == "ecs":
        _, cluster, service = [*resource.split("/"), "", ""][:3]
        if not any(
            s.get("serviceName") == service and _cluster_name(str(s.get("clusterArn", ""))) == cluster for s in _ecs._services.values()
        ):
            raise RefusedError(f"ValidationException: ECS service doesn't exist: {resource}")
    if int(props.get("MinCapacity", 0)) > int(props.get("MaxCapacity", 0)):
        raise RefusedError("ValidationException: Minimum capacity cannot be greater than maximum capacity")
    target_id = f"{resource}|{props.get('ScalableDimension')}|{props.get('ServiceNamespace')}"
    _scalable_targets[target_id] = props
    return target_id, {"Id": target_id}


def _scalable_target_delete(physical_id: str, props: dict[str, Any]) -> None:
    _scalable_targets.pop(physical_id, None)


def _scaling_policy_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    target = props.get("ScalingTargetId")
    if target and target not in _scalable_targets:
        raise RefusedError(f"ObjectNotFoundException: No scalable target registered for {target}")
    kind = props.get("PolicyType")
    if kind == "TargetTrackingScaling" and not props.get("TargetTrackingScalingPolicyConfiguration"):
        raise RefusedError("ValidationException: TargetTrackingScalingPolicyConfiguration is required")
    # Metric math in target tracking: the same rules as an alarm's (one query returns data, ids
    # unique and defined; https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingMetricDataQuery.html).
    custom = (props.get("TargetTrackingScalingPolicyConfiguration") or {}).get("CustomizedMetricSpecification") or {}
    if custom.get("Metrics"):
        _alarm_metrics_valid(logical_id, {"Metrics": custom["Metrics"]}, stack_name)
    arn = f"arn:aws:autoscaling:{get_region()}:{get_account_id()}:scalingPolicy:{new_uuid()}:resource/{props.get('PolicyName')}"
    _scaling_policies[arn] = props
    return arn, {"Arn": arn}


def _scaling_policy_delete(physical_id: str, props: dict[str, Any]) -> None:
    _scaling_policies.pop(physical_id, None)


# --- alarms: metric math ----------------------------------------------------------------------
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html


def _alarm_metrics_valid(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    metrics = props.get("Metrics")
    if not metrics:
        return
    ids = [m.get("Id") for m in metrics]
    if len(set(ids)) != len(ids):
        raise RefusedError("ValidationError: metric ids in an alarm must be unique")
    if sum(1 for m in metrics if m.get("ReturnData", True)) != 1:
        raise RefusedError("ValidationError: exactly one metric of a metric-math alarm must return data")
    for m in metrics:
        for name in re.findall(r"\b[a-z][a-zA-Z0-9_]*\b", str(m.get("Expression", ""))):
            if name not in ids and not name.isupper():
                raise RefusedError(
                    f"ValidationError: the expression {m['Expression']!r} uses {name}, which is not a metric id of the alarm"
                )


def _alarm_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    """The emulator's alarm handler knows single metrics only; metric-math alarms are stored here."""
    name = props.get("AlarmName") or f"{stack_name}-{logical_id}-{new_uuid()[:8]}"
    arn = f"arn:aws:cloudwatch:{get_region()}:{get_account_id()}:alarm:{name}"
    _cw._alarms[name] = {"AlarmName": name, "AlarmArn": arn, "Metrics": props.get("Metrics"), "StateValue": "INSUFFICIENT_DATA"}
    return name, {"Arn": arn}


def _alarm_delete(physical_id: str, props: dict[str, Any]) -> None:
    _cw._alarms.pop(physical_id, None)


# --- load balancer access logs ----------------------------------------------------------------
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html

ELB_ACCOUNTS = {"eu-west-1": "156460612806", "us-east-1": "127311923021", "eu-central-1": "054676820928"}


def _access_log_bucket_allows_elb(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    attributes = {a.get("Key"): a.get("Value") for a in props.get("LoadBalancerAttributes") or []}
    if str(attributes.get("access_logs.s3.enabled")).lower() != "true":
        return
    import ministack.services.s3 as _s3  # noqa: PLC0415

    bucket = attributes.get("access_logs.s3.bucket")
    policy_text = (getattr(_s3, "_bucket_policies", {}) or {}).get(bucket)
    if policy_text is None:
        raise RefusedError(f"InvalidConfigurationRequest: Access Denied for bucket: {bucket}. Please check S3bucket permission")
    elb = ELB_ACCOUNTS.get(get_region(), "")
    text = policy_text if isinstance(policy_text, str) else json.dumps(policy_text)
    if elb not in text and "logdelivery.elasticloadbalancing.amazonaws.com" not in text:
        raise RefusedError(f"InvalidConfigurationRequest: Access Denied for bucket: {bucket}. Please check S3bucket permission")


# --- EKS --------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html


def _eks_cluster(name: str) -> dict[str, Any]:
    cluster = _eks._clusters.get(name)
    if cluster is None:
        raise RefusedError(f"ResourceNotFoundException: No cluster found for name: {name}")
    return cluster


# https://docs.aws.amazon.com/eks/latest/userguide/deletion-protection.html: a cluster with
# deletion protection refuses DeleteCluster, from CloudFormation (a rollback, a stack
# deletion) or from the API (a manual teardown), until an update turns it off.
_PROTECTED = "_berthDeletionProtection"


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _record_protection(result: tuple[str, dict[str, Any]], props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cluster = _eks._clusters.get(result[0])
    if cluster is not None:
        cluster[_PROTECTED] = _truthy(props.get("DeletionProtection"))
    return result


def _protection_refuses(name: str) -> str | None:
    cluster = _eks._clusters.get(name)
    if cluster is not None and cluster.get(_PROTECTED):
        return f"InvalidRequestException: Cluster {name} has deletion protection enabled; turn it off before deleting the cluster"
    return None


def _guard_cluster_deletion(handlers: Handlers) -> None:
    """Record DeletionProtection on create and update; refuse deletion while it is on."""
    create, update, delete = (handlers["AWS::EKS::Cluster"][op] for op in ("create", "update", "delete"))

    def created(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
        return _record_protection(create(logical_id, props, stack_name), props)

    def updated(physical_id: str, old: dict[str, Any], new: dict[str, Any], stack_name: str, logical_id: str | None = None) -> Any:
        return _record_protection(update(physical_id, old, new, stack_name, logical_id), new)

    def deleted(physical_id: str, props: dict[str, Any]) -> None:
        if refused := _protection_refuses(physical_id):
            raise RefusedError(refused)
        delete(physical_id, props)

    handlers["AWS::EKS::Cluster"].update(create=created, update=updated, delete=deleted)
    api_delete = _eks._delete_cluster

    def api_deleted(name: str) -> Any:
        if refused := _protection_refuses(name):
            code, message = refused.split(": ", 1)
            return _eks._error(400, code, message)
        return api_delete(name)

    _eks._delete_cluster = api_deleted


def _access_entry_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    cluster = props.get("ClusterName", "")
    _eks_cluster(cluster)
    principal = props.get("PrincipalArn", "")
    if principal.split(":")[4] == get_account_id() and _role_by_arn(principal) is None:
        raise RefusedError(f"InvalidParameterException: The specified principalArn is invalid: invalid principal ({principal})")
    for policy in props.get("AccessPolicies") or []:
        if not str(policy.get("PolicyArn", "")).startswith("arn:aws:eks::aws:cluster-access-policy/"):
            raise RefusedError(f"InvalidParameterException: not an EKS access policy: {policy.get('PolicyArn')}")
    key = f"{cluster}\x00{principal}"
    if key in _eks._access_entries:
        raise RefusedError(f"ResourceInUseException: an access entry for {principal} already exists")
    arn = f"arn:aws:eks:{get_region()}:{get_account_id()}:access-entry/{cluster}/role/{new_uuid()}"
    _eks._access_entries[key] = {
        "clusterName": cluster,
        "principalArn": principal,
        "accessEntryArn": arn,
        "type": props.get("Type", "STANDARD"),
    }
    return f"{cluster}|{principal}", {"AccessEntryArn": arn}  # the store's key holds a NUL, which no physical id may


def _access_entry_delete(physical_id: str, props: dict[str, Any]) -> None:
    _eks._access_entries.pop(physical_id.replace("|", "\x00", 1), None)


# https://docs.aws.amazon.com/eks/latest/userguide/capability-role.html: a capability's role
# must exist in the cluster's account and trust capabilities.eks.amazonaws.com with
# sts:AssumeRole and sts:TagSession; RETAIN is the only delete propagation policy.
_CAPABILITIES: dict[str, dict[str, Any]] = {}
_CAPABILITY_TYPES = {"ACK", "ARGOCD", "KRO"}


def _capability_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    cluster, name = props.get("ClusterName", ""), props.get("CapabilityName", "")
    _eks_cluster(cluster)
    if props.get("Type") not in _CAPABILITY_TYPES:
        raise RefusedError(f"InvalidParameterException: type must be one of {sorted(_CAPABILITY_TYPES)}, not {props.get('Type')}")
    if props.get("DeletePropagationPolicy") != "RETAIN":
        raise RefusedError("InvalidParameterException: deletePropagationPolicy must be RETAIN")
    _require_role(props.get("RoleArn", ""), "AWS::EKS::Capability", trusted_by="capabilities.eks.amazonaws.com", also="sts:TagSession")
    if props.get("Type") == "ARGOCD":
        _argo_cd_configuration(props.get("Configuration") or {})
    physical_id = f"{cluster}|{name}"
    if physical_id in _CAPABILITIES:
        raise RefusedError(f"ResourceInUseException: Capability {name} already exists in cluster {cluster}")
    arn = f"arn:aws:eks:{get_region()}:{get_account_id()}:capability/{cluster}/{name}/{new_uuid()}"
    _CAPABILITIES[physical_id] = {"capabilityName": name, "clusterName": cluster, "arn": arn, "type": props.get("Type")}
    return physical_id, {"Arn": arn}


def _argo_cd_configuration(configuration: dict[str, Any]) -> None:
    """Argo CD signs in through IAM Identity Center (an instance ARN is required), and a VPC
    endpoint it is given must exist (https://docs.aws.amazon.com/eks/latest/userguide/argocd-private-access.html)."""
    argo = configuration.get("ArgoCd")
    if not argo or not (argo.get("AwsIdc") or {}).get("IdcInstanceArn"):
        raise RefusedError("InvalidParameterException: an ARGOCD capability needs configuration.argoCd.awsIdc.idcInstanceArn")
    for endpoint in (argo.get("NetworkAccess") or {}).get("VpceIds") or []:
        if endpoint not in _ec2._vpc_endpoints:
            raise RefusedError(f"InvalidParameterException: VPC endpoint {endpoint} does not exist")


def _capability_delete(physical_id: str, props: dict[str, Any]) -> None:
    _CAPABILITIES.pop(physical_id, None)


# https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html (private subnets only, pod execution role)
def _fargate_profile_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    cluster = props.get("ClusterName", "")
    _eks_cluster(cluster)
    _require_role(props.get("PodExecutionRoleArn", ""), "AWS::EKS::FargateProfile", trusted_by="eks-fargate-pods.amazonaws.com")
    for subnet in props.get("Subnets") or []:
        if _ec2._subnets.get(subnet, {}).get("MapPublicIpOnLaunch") is True or _routes_to_internet_gateway(subnet):
            raise RefusedError(f"InvalidParameterException: Subnet {subnet} provided in Fargate Profile is not a private subnet")
    name = props.get("FargateProfileName") or f"{logical_id}-{new_uuid()[:8]}"
    arn = f"arn:aws:eks:{get_region()}:{get_account_id()}:fargateprofile/{cluster}/{name}/{new_uuid()}"
    return f"{cluster}|{name}", {"Arn": arn}


def _routes_to_internet_gateway(subnet: str) -> bool:
    for table in _ec2._route_tables.values():
        associated = any(a.get("SubnetId") == subnet for a in table.get("Associations") or [])
        if associated and any(str(r.get("GatewayId", "")).startswith("igw-") for r in table.get("Routes") or []):
            return True
    return False


# https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
def _pod_identity_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    cluster = props.get("ClusterName", "")
    _eks_cluster(cluster)
    _require_role(props.get("RoleArn", ""), "AWS::EKS::PodIdentityAssociation", trusted_by="pods.eks.amazonaws.com", also="sts:TagSession")
    association = f"a-{new_uuid().replace('-', '')[:17]}"
    arn = f"arn:aws:eks:{get_region()}:{get_account_id()}:podidentityassociation/{cluster}/{association}"
    _eks._pod_identity_associations[f"{cluster}\x00{association}"] = {"associationId": association, "associationArn": arn, **props}
    return f"{cluster}|{association}", {"AssociationArn": arn, "AssociationId": association}


def _pod_identity_delete(physical_id: str, props: dict[str, Any]) -> None:
    _eks._pod_identity_associations.pop(physical_id.replace("|", "\x00", 1), None)


# https://docs.aws.amazon.com/eks/latest/userguide/creating-an-add-on.html
def _addon_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    cluster = props.get("ClusterName", "")
    _eks_cluster(cluster)
    if not re.match(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$", str(props.get("AddonVersion", "v0.0.0-eksbuild.1"))):
        raise RefusedError(f"InvalidParameterException: Addon version specified is not supported: {props.get('AddonVersion')}")
    for association in props.get("PodIdentityAssociations") or []:
        _require_role(association.get("RoleArn", ""), f"add-on {props.get('AddonName')}", trusted_by="pods.eks.amazonaws.com")
    key = f"{cluster}/{props.get('AddonName')}"
    arn = f"arn:aws:eks:{get_region()}:{get_account_id()}:addon/{cluster}/{props.get('AddonName')}/{new_uuid()}"
    _eks._addons[key] = {"addonName": props.get("AddonName"), "clusterName": cluster, "addonArn": arn, "status": "ACTIVE"}
    return key, {"Arn": arn}


def _addon_delete(physical_id: str, props: dict[str, Any]) -> None:
    _eks._addons.pop(physical_id, None)


def _require_web_acl(acl: str) -> None:
    if not any(a.get("ARN") == acl or a.get("Arn") == acl for a in _waf._web_acls.values()):
        raise RefusedError(f"WAFNonexistentItemException: the web ACL {acl} does not exist")


# https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html
def _web_acl_association_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    acl = props.get("WebACLArn", "")
    _require_web_acl(acl)
    resource = props.get("ResourceArn", "")
    if ":loadbalancer/app/" in resource and resource not in _alb._lbs:
        raise RefusedError(f"WAFNonexistentItemException: the load balancer {resource} does not exist")
    _waf._associations[resource] = acl
    return resource, {}


def _web_acl_association_delete(physical_id: str, props: dict[str, Any]) -> None:
    _waf._associations.pop(physical_id, None)


# https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
def _waf_logging_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    acl = props.get("ResourceArn", "")
    _require_web_acl(acl)
    for destination in _as_list(props.get("LogDestinationConfigs")):
        if ":log-group:" not in str(destination):
            continue
        name = str(destination).split(":log-group:", 1)[1]
        if name.endswith(":*"):
            raise RefusedError(f"WAFInvalidParameterException: the log group ARN must not end with ':*': {destination}")
        if not name.startswith("aws-waf-logs-"):
            raise RefusedError(f"WAFInvalidParameterException: the log group name must start with aws-waf-logs-: {name}")
        if name not in _logs._log_groups:
            raise RefusedError(f"WAFNonexistentItemException: the log group {name} does not exist")
    return acl, {}


# --- ECS blue/green, canary and linear deployments --------------------------------------------
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AdvancedConfiguration.html: the
# alternate target group and the listener rules must exist, and the role must let ECS assume it
# (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html).


def _service_deployment_resources(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    for balancer in props.get("LoadBalancers") or []:
        advanced = balancer.get("AdvancedConfiguration")
        if not advanced:
            continue
        what = f"service {logical_id}'s deployment"
        _require_role(str(advanced.get("RoleArn", "")), what, trusted_by="ecs.amazonaws.com")
        if advanced.get("AlternateTargetGroupArn") not in _alb._tgs:
            raise RefusedError(f"InvalidParameterException: {what}: target group {advanced.get('AlternateTargetGroupArn')} does not exist")
        for field in ("ProductionListenerRule", "TestListenerRule"):
            rule = advanced.get(field)
            if (field == "ProductionListenerRule" or rule) and rule not in _alb._rules:
                raise RefusedError(f"InvalidParameterException: {what}: {field} {rule} does not exist")
        strategy = (props.get("DeploymentConfiguration") or {}).get("Strategy", "ROLLING")
        if strategy == "ROLLING":
            raise RefusedError(f"InvalidParameterException: {what}: AdvancedConfiguration needs a BLUE_GREEN, CANARY or LINEAR strategy")


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html:
# the namespace must exist, and each served port is a port mapping's name in the task definition.
def _service_connect_resolvable(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    connect = props.get("ServiceConnectConfiguration") or {}
    if not connect.get("Enabled"):
        return
    namespace = str(connect.get("Namespace", ""))
    if not any(n.get("Arn") == namespace or n.get("Name") == namespace for n in _discovery._namespaces.values()):
        raise RefusedError(f"NamespaceNotFoundException: service {logical_id}: Service Connect namespace {namespace} does not exist")
    family = str(props.get("TaskDefinition", "")).rsplit("/", 1)[-1]
    task = _ecs._task_defs.get(family)
    if task is None:
        return
    names = {m.get("name") for c in task.get("containerDefinitions", []) for m in c.get("portMappings") or []}
    for served in connect.get("Services") or []:
        if served.get("PortName") not in names:
            raise RefusedError(
                f"InvalidParameterException: service {logical_id}: Service Connect port name {served.get('PortName')} "
                f"is not a port mapping of the task definition (it has {sorted(n for n in names if n)})"
            )


# --- ingress: listener rules, certificates, records --------------------------------------------


# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html
# ("Each rule has a priority ... a priority can be used by one rule of a listener").
def _rule_priority_free(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    listener, priority = props.get("ListenerArn", ""), str(props.get("Priority", ""))
    for rule in _alb._rules.values():
        if rule.get("ListenerArn") == listener and str(rule.get("Priority")) == priority:
            raise RefusedError(f"PriorityInUse: Priority '{priority}' is currently in use (listener {listener})")


def _zone_holding(zone_id: str, name: str, what: str) -> None:
    """The zone exists and `name` is in it (Route 53's own answers otherwise)."""
    zone = _r53._zones.get(zone_id.removeprefix("/hostedzone/"))
    if zone is None:
        raise RefusedError(f"NoSuchHostedZone: No hosted zone found with ID: {zone_id} ({what})")
    bare, apex = name.rstrip(".").removeprefix("*.").lower(), zone["name"].rstrip(".")
    if bare != apex and not bare.endswith("." + apex):
        raise RefusedError(f"InvalidChangeBatch: RRSet with DNS name {name} is not permitted in zone {zone['name']} ({what})")


# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-alias.html
def _record_in_zone(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    if props.get("HostedZoneId"):
        _zone_holding(str(props["HostedZoneId"]), str(props.get("Name", "")), logical_id)


# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-certificatemanager-certificate.html
# (DomainValidationOptions.HostedZoneId: CloudFormation writes each validation record there and
# waits for the certificate; a name the zone cannot hold is never validated).
def _certificate_validated_in_zone(logical_id: str, props: dict[str, Any], stack_name: str) -> None:
    if props.get("ValidationMethod", "DNS") != "DNS":
        return
    for option in _as_list(props.get("DomainValidationOptions")):
        if option.get("HostedZoneId"):
            _zone_holding(str(option["HostedZoneId"]), str(option.get("DomainName", "")), f"validation of {logical_id}")


# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html: one
# provider per URL in an account (CreateOpenIDConnectProvider refuses a second: EntityAlreadyExists),
# hence berth's `github.create_oidc_provider: false` for the second environment of an account.
_OIDC_PROVIDERS: dict[str, dict[str, Any]] = {}


def _oidc_provider_create(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
    url = str(props.get("Url", ""))
    if not url.startswith("https://"):
        raise RefusedError(f"ValidationError: Url must begin with https:// (got {url!r})")
    host = url.removeprefix("https://").rstrip("/")
    arn = f"arn:aws:iam::{get_account_id()}:oidc-provider/{host}"
    if arn in _OIDC_PROVIDERS:
        raise RefusedError(f"EntityAlreadyExists: Provider with url {url} already exists.")
    _OIDC_PROVIDERS[arn] = {"Url": url, "ClientIdList": list(props.get("ClientIdList") or [])}
    return arn, {"Arn": arn}


def _oidc_provider_delete(physical_id: str, props: dict[str, Any]) -> None:
    _OIDC_PROVIDERS.pop(physical_id, None)


# --- installing -------------------------------------------------------------------------------


def install(handlers: Handlers) -> list[str]:
    """Add the missing types and the checks to the emulator's handler table; returns what was added."""
    ingress_create, ingress_delete = _sg_rule("ingress")
    egress_create, egress_delete = _sg_rule("egress")
    added: Handlers = {
        "AWS::EC2::EIP": {"create": _eip_create, "delete": _eip_delete},
        "AWS::EC2::NatGateway": {"create": _nat_create, "delete": _nat_delete},
        "AWS::EC2::FlowLog": {"create": _flow_log_create, "delete": _flow_log_delete},
        "AWS::EC2::SecurityGroupIngress": {"create": ingress_create, "delete": ingress_delete},
        "AWS::EC2::SecurityGroupEgress": {"create": egress_create, "delete": egress_delete},
        "AWS::ECS::CapacityProvider": {"create": _capacity_provider_create, "delete": _capacity_provider_delete},
        "AWS::ECS::ClusterCapacityProviderAssociations": {
            "create": _association_create,
            "delete": _association_delete,
            "update": _association_update,
        },
        "AWS::ApplicationAutoScaling::ScalableTarget": {"create": _scalable_target_create, "delete": _scalable_target_delete},
        "AWS::ApplicationAutoScaling::ScalingPolicy": {"create": _scaling_policy_create, "delete": _scaling_policy_delete},
        "AWS::EKS::AccessEntry": {"create": _access_entry_create, "delete": _access_entry_delete},
        "AWS::EKS::FargateProfile": {"create": _fargate_profile_create, "delete": lambda physical_id, props: None},
        "AWS::EKS::PodIdentityAssociation": {"create": _pod_identity_create, "delete": _pod_identity_delete},
        "AWS::EKS::Addon": {"create": _addon_create, "delete": _addon_delete},
        "AWS::EKS::Capability": {"create": _capability_create, "delete": _capability_delete},
        "AWS::IAM::OIDCProvider": {"create": _oidc_provider_create, "delete": _oidc_provider_delete},
        "AWS::WAFv2::WebACLAssociation": {"create": _web_acl_association_create, "delete": _web_acl_association_delete},
        "AWS::WAFv2::LoggingConfiguration": {"create": _waf_logging_create, "delete": lambda physical_id, props: None},
    }
    names = [t for t in added if t not in handlers]
    for type_, handler in added.items():
        handlers.setdefault(type_, handler)
    # Updates replace (delete the old, create the new) unless the type has an update of its own.
    for type_ in names:
        handlers[type_].setdefault("update", _replace_on_update(handlers[type_]["create"], handlers[type_]["delete"]))
        handlers[type_]["update_with_logical_id"] = True
    original_alarm = handlers["AWS::CloudWatch::Alarm"]["create"]

    def alarm(logical_id: str, props: dict[str, Any], stack_name: str) -> tuple[str, dict[str, Any]]:
        _alarm_metrics_valid(logical_id, props, stack_name)
        return (_alarm_create if props.get("Metrics") else original_alarm)(logical_id, props, stack_name)

    handlers["AWS::CloudWatch::Alarm"]["create"] = alarm
    _wrap(handlers, "AWS::Logs::LogGroup", "create", _log_group_key_usable)
    _wrap(handlers, "AWS::KMS::Key", "create", _key_principals_exist)
    _wrap(handlers, "AWS::IAM::Policy", "create", _policy_fits)
    _wrap(handlers, "AWS::ECS::Service", "create", _service_providers_associated)
    _wrap(handlers, "AWS::ECS::Service", "create", _service_deployment_resources)
    _wrap(handlers, "AWS::ECS::Service", "create", _service_connect_resolvable)
    _wrap(handlers, "AWS::ElasticLoadBalancingV2::LoadBalancer", "create", _access_log_bucket_allows_elb)
    _wrap(handlers, "AWS::ElasticLoadBalancingV2::ListenerRule", "create", _rule_priority_free)
    _wrap(handlers, "AWS::Route53::RecordSet", "create", _record_in_zone)
    _wrap(handlers, "AWS::CertificateManager::Certificate", "create", _certificate_validated_in_zone)
    _guard_cluster_deletion(handlers)
    return names


def _replace_on_update(create: Callable[..., Any], delete: Callable[..., None]) -> Callable[..., Any]:
    def update(
        physical_id: str, old_props: dict[str, Any], new_props: dict[str, Any], stack_name: str, logical_id: str | None = None
    ) -> Any:
        if old_props == new_props:
            return physical_id, {}
        delete(physical_id, old_props)
        return create(logical_id or physical_id, new_props, stack_name)

    return update
