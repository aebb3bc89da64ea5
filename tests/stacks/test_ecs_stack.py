"""The ECS stack: one behaviour per test, for every promise of the foundation issue."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from tests.assembly import Assembly


def _only(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (value,) = resources.values()
    return value


def _task_definitions(assembly: Assembly) -> dict[str, dict[str, Any]]:
    """Task definitions by their first container's name (the application's: the workload's)."""
    out = {}
    for resource in assembly.resources("ecs", "AWS::ECS::TaskDefinition").values():
        container = resource["Properties"]["ContainerDefinitions"][0]
        out[container["Name"]] = resource
    return out


def _service(assembly: Assembly, name: str) -> dict[str, Any]:
    (svc,) = [s for s in assembly.resources("ecs", "AWS::ECS::Service").values() if s["Properties"]["ServiceName"] == name]
    return svc


# --- cluster ---------------------------------------------------------------------------


def test_cluster_has_enhanced_container_insights(assembly: Assembly) -> None:
    assembly.template("ecs").has_resource_properties(
        "AWS::ECS::Cluster", {"ClusterSettings": [{"Name": "containerInsights", "Value": "enhanced"}]}
    )


def test_cluster_has_fargate_spot_and_ec2_capacity_providers(assembly: Assembly) -> None:
    association = _only(assembly.resources("ecs", "AWS::ECS::ClusterCapacityProviderAssociations"))
    providers = association["Properties"]["CapacityProviders"]
    assert "FARGATE" in providers
    assert "FARGATE_SPOT" in providers
    assert any(isinstance(p, dict) and "Ref" in p for p in providers), "the ASG capacity provider"


def test_exec_is_configured_on_cluster_with_kms_and_encrypted_logs(assembly: Assembly) -> None:
    assembly.template("ecs").has_resource_properties(
        "AWS::ECS::Cluster",
        {
            "Configuration": {
                "ExecuteCommandConfiguration": {
                    "KmsKeyId": Match.any_value(),
                    "Logging": "OVERRIDE",
                    "LogConfiguration": {"CloudWatchEncryptionEnabled": True, "CloudWatchLogGroupName": Match.any_value()},
                }
            }
        },
    )


def test_vpc_is_read_from_ssm_parameters_not_imports(assembly: Assembly, env: str) -> None:
    parameters = assembly.template_json(assembly.stack("ecs"))["Parameters"]
    defaults = {p.get("Default") for p in parameters.values()}
    assert {f"/berth/{env}/network/vpc-id", f"/berth/{env}/network/private-subnet-ids"} <= defaults
    assert "Fn::ImportValue" not in str(assembly.template_json(assembly.stack("ecs")))


def test_ecs_stack_deploys_after_network_stack(assembly: Assembly) -> None:
    artifact = assembly.manifest["artifacts"][assembly.stack("ecs")]
    assert assembly.stack("network") in artifact["dependencies"]


# --- EC2 capacity ----------------------------------------------------------------------


def _launch_templates(assembly: Assembly) -> dict[str, dict[str, Any]]:
    """Each capacity group's launch template data, by the group's construct id (Ec2Capacity for
    ec2_capacity, <Name>Capacity for each of ec2_capacity_groups)."""
    templates = assembly.resources("ecs", "AWS::EC2::LaunchTemplate")
    return {name.split("LaunchTemplate")[0]: t["Properties"]["LaunchTemplateData"] for name, t in templates.items()}


def _launch_template_data(assembly: Assembly) -> dict[str, Any]:
    """ec2_capacity's."""
    return _launch_templates(assembly)["Ec2Capacity"]


def test_every_group_is_a_launch_template(dev: Assembly, prod: Assembly) -> None:
    assert set(_launch_templates(dev)) == {"Ec2Capacity", "GpuCapacity"}
    assert set(_launch_templates(prod)) == {"Ec2Capacity"}


def test_launch_template_requires_imdsv2_with_hop_limit_1(assembly: Assembly) -> None:
    for data in _launch_templates(assembly).values():
        options = data["MetadataOptions"]
        assert options["HttpTokens"] == "required"
        assert options["HttpPutResponseHopLimit"] == 1


def test_every_ebs_volume_is_encrypted_gp3_with_the_key(assembly: Assembly) -> None:
    for data in _launch_templates(assembly).values():
        for mapping in data["BlockDeviceMappings"]:
            ebs = mapping["Ebs"]
            assert ebs["Encrypted"] is True
            assert ebs["VolumeType"] == "gp3"
            assert "KmsKeyId" in ebs


def test_bottlerocket_has_two_encrypted_volumes_al2023_one(dev: Assembly, prod: Assembly) -> None:
    assert [m["DeviceName"] for m in _launch_template_data(dev)["BlockDeviceMappings"]] == ["/dev/xvda"]
    assert [m["DeviceName"] for m in _launch_template_data(prod)["BlockDeviceMappings"]] == ["/dev/xvda", "/dev/xvdb"]


def test_no_ssh_key_and_no_public_ip(assembly: Assembly) -> None:
    for data in _launch_templates(assembly).values():
        assert "KeyName" not in data
        assert all(not ni.get("AssociatePublicIpAddress", False) for ni in data.get("NetworkInterfaces", []))


def test_instance_security_group_has_no_ingress(assembly: Assembly) -> None:
    groups = assembly.resources("ecs", "AWS::EC2::SecurityGroup").values()
    instances = [g for g in groups if g["Properties"]["GroupDescription"].startswith("ECS container instances")]
    assert len(instances) == len(_launch_templates(assembly))
    assert all("SecurityGroupIngress" not in g["Properties"] for g in instances)


def test_pinned_ami_is_literal_and_tracked_ami_is_an_explicit_ssm_parameter(dev: Assembly, prod: Assembly) -> None:
    assert _launch_template_data(prod)["ImageId"] == "ami-0a1b2c3d4e5f60789"
    dev_image = _launch_template_data(dev)["ImageId"]
    assert set(dev_image) == {"Ref"}
    parameter = dev.template_json(dev.stack("ecs"))["Parameters"][dev_image["Ref"]]
    assert parameter["Default"] == "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"


def test_bottlerocket_user_data_is_toml_joining_the_cluster(prod: Assembly) -> None:
    user_data = str(_launch_template_data(prod)["UserData"])
    assert "[settings.ecs]" in user_data
    assert "#!/bin/bash" not in user_data


def test_asg_in_private_subnets_min_max_from_config(dev: Assembly, prod: Assembly) -> None:
    dev.template("ecs").has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "1", "MaxSize": "3"})
    prod.template("ecs").has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "3", "MaxSize": "12"})
    dev.template("ecs").has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "0", "MaxSize": "2"})
    for asg in dev.resources("ecs", "AWS::AutoScaling::AutoScalingGroup").values():
        assert "privatesubnetids" in json.dumps(asg["Properties"]["VPCZoneIdentifier"]).lower()


def test_asg_scaling_notifications_go_to_alarm_topic(assembly: Assembly) -> None:
    (topic,) = assembly.resources("ecs", "AWS::SNS::Topic")
    for asg in assembly.resources("ecs", "AWS::AutoScaling::AutoScalingGroup").values():
        (notification,) = asg["Properties"]["NotificationConfigurations"]
        assert notification["TopicARN"] == {"Ref": topic}


def test_capacity_provider_managed_scaling_termination_protection_draining(prod: Assembly) -> None:
    prod.template("ecs").has_resource_properties(
        "AWS::ECS::CapacityProvider",
        {
            "AutoScalingGroupProvider": {
                "ManagedScaling": {"Status": "ENABLED", "TargetCapacity": 80, "InstanceWarmupPeriod": 180},
                "ManagedTerminationProtection": "ENABLED",
                "ManagedDraining": "ENABLED",
            }
        },
    )


def test_instances_are_protected_from_scale_in_for_managed_termination(assembly: Assembly) -> None:
    assembly.template("ecs").has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"NewInstancesProtectedFromScaleIn": True})


def test_key_policy_lets_auto_scaling_use_key_for_ebs(assembly: Assembly) -> None:
    key = _only(assembly.resources("ecs", "AWS::KMS::Key"))
    sids = {s.get("Sid") for s in key["Properties"]["KeyPolicy"]["Statement"]}
    assert {"AllowAutoScalingServiceLinkedRoleUse", "AllowAutoScalingServiceLinkedRoleGrants", "AllowCloudWatchLogs"} <= sids


# --- task definitions ------------------------------------------------------------------


def test_each_workload_has_a_task_definition(assembly: Assembly) -> None:
    dev_only = {"api", "ledger", "embeddings"} if assembly.env == "dev" else set()
    assert set(_task_definitions(assembly)) == {"web", "worker", "nightly-report"} | dev_only


def test_containers_are_hardened(assembly: Assembly) -> None:
    for name, task in _task_definitions(assembly).items():
        app, *sidecars = task["Properties"]["ContainerDefinitions"]
        routed = any(c["Name"] == "log-router" for c in sidecars)
        for container in (app, *sidecars):
            assert container["ReadonlyRootFilesystem"] is True, name
            if container["Name"] == "log-router":  # FireLens requires root (aws/containers-roadmap#2122)
                assert (container["User"], container["LogConfiguration"]["LogDriver"]) == ("0", "awslogs"), name
                assert "PortMappings" not in container, name
                continue
            assert container["User"] == "1000:1000", name
            assert container["LogConfiguration"]["LogDriver"] == ("awsfirelens" if routed else "awslogs"), name
        assert app["HealthCheck"]["Command"], name
        assert app["LinuxParameters"]["InitProcessEnabled"] is True, name
        # Every container has a hard memory limit, and they fit in the task's.
        assert sum(c["Memory"] for c in (app, *sidecars)) == int(task["Properties"]["Memory"]), name


def test_log_groups_are_encrypted_with_retention(assembly: Assembly) -> None:
    for group in assembly.resources("ecs", "AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in group["Properties"]
        assert "RetentionInDays" in group["Properties"]


def test_fargate_sizes_and_architecture_from_config(dev: Assembly) -> None:
    web = _task_definitions(dev)["web"]["Properties"]
    assert (web["Cpu"], web["Memory"]) == ("512", "1024")
    assert web["RequiresCompatibilities"] == ["FARGATE"]
    assert web["RuntimePlatform"] == {"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"}
    assert web["NetworkMode"] == "awsvpc"


def test_ec2_task_is_placed_on_matching_architecture(dev: Assembly) -> None:
    worker = _task_definitions(dev)["worker"]["Properties"]
    assert worker["RequiresCompatibilities"] == ["EC2"]
    assert worker["PlacementConstraints"] == [{"Type": "memberOf", "Expression": "attribute:ecs.cpu-architecture == arm64"}]


def test_images_by_tag_in_dev_and_digest_in_prod(dev: Assembly, prod: Assembly) -> None:
    dev_image = str(_task_definitions(dev)["web"]["Properties"]["ContainerDefinitions"][0]["Image"])
    prod_image = str(_task_definitions(prod)["web"]["Properties"]["ContainerDefinitions"][0]["Image"])
    assert "/berth/web:1.4.2" in dev_image
    assert "/berth/web@sha256:4f3c2b1a" in prod_image


def test_secrets_come_from_secrets_manager_and_ssm_never_plain_environment(dev: Assembly) -> None:
    tasks = _task_definitions(dev)
    (web_secret,) = tasks["web"]["Properties"]["ContainerDefinitions"][0]["Secrets"]
    assert web_secret["Name"] == "DATABASE_PASSWORD"
    assert "secretsmanager" in str(web_secret["ValueFrom"])
    assert str(web_secret["ValueFrom"]).endswith(":password::") or ":password::" in str(web_secret["ValueFrom"])
    (worker_secret,) = tasks["worker"]["Properties"]["ContainerDefinitions"][0]["Secrets"]
    assert "parameter/berth/dev/worker/queue-token" in str(worker_secret["ValueFrom"])
    env_names = {e["Name"] for e in tasks["web"]["Properties"]["ContainerDefinitions"][0].get("Environment", [])}
    assert env_names == {"LOG_LEVEL", "OTEL_EXPORTER_OTLP_ENDPOINT"}


def _policy_for_role(assembly: Assembly, role_fragment: str) -> list[dict[str, Any]]:
    statements = []
    for policy in assembly.resources("ecs", "AWS::IAM::Policy").values():
        roles = [r["Ref"] for r in policy["Properties"].get("Roles", [])]
        if any(role_fragment in r for r in roles):
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for s in statements:
        out |= {s["Action"]} if isinstance(s["Action"], str) else set(s["Action"])
    return out


def test_execution_role_pulls_its_repository_reads_its_secrets(dev: Assembly) -> None:
    statements = _policy_for_role(dev, "WebTaskExecutionRole")
    actions = _actions(statements)
    assert {"ecr:BatchGetImage", "ecr:GetAuthorizationToken", "secretsmanager:GetSecretValue"} <= actions
    pull = [s for s in statements if "ecr:BatchGetImage" in _actions([s])]
    assert "repository/berth/web" in str(pull)


def test_task_role_holds_only_granted_permissions(prod: Assembly) -> None:
    statements = _policy_for_role(prod, "WorkerTaskTaskRole")
    assert _actions(statements) == {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}


def test_roles_trust_ecs_tasks_of_this_account_only(assembly: Assembly) -> None:
    for name, role in assembly.resources("ecs", "AWS::IAM::Role").items():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if statement["Principal"].get("Service") == "ecs-tasks.amazonaws.com":
            assert "aws:SourceAccount" in statement["Condition"]["StringEquals"], name


# --- ECS Exec --------------------------------------------------------------------------


def test_exec_is_opt_in_per_service_and_off_in_prod(dev: Assembly, prod: Assembly) -> None:
    assert _service(dev, "web")["Properties"]["EnableExecuteCommand"] is True
    assert _service(dev, "worker")["Properties"]["EnableExecuteCommand"] is False
    for name in ("web", "worker"):
        assert _service(prod, name)["Properties"]["EnableExecuteCommand"] is False


def test_exec_mounts_agent_paths_and_keeps_root_read_only(dev: Assembly) -> None:
    container, _otel = _task_definitions(dev)["web"]["Properties"]["ContainerDefinitions"]
    assert container["ReadonlyRootFilesystem"] is True
    assert {m["ContainerPath"] for m in container["MountPoints"]} == {"/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"}


def test_exec_permissions_only_where_exec_is_on(dev: Assembly, prod: Assembly) -> None:
    assert "ssmmessages:CreateDataChannel" in _actions(_policy_for_role(dev, "WebTaskTaskRole"))
    assert "ssmmessages:CreateDataChannel" not in _actions(_policy_for_role(dev, "WorkerTaskTaskRole"))
    assert _policy_for_role(prod, "WebTaskTaskRole") == []


# --- services --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["web", "worker"])
def test_deployment_safety(assembly: Assembly, name: str) -> None:
    config = _service(assembly, name)["Properties"]["DeploymentConfiguration"]
    assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert config["MinimumHealthyPercent"] == 100
    assert config["MaximumPercent"] == 200
    assert config["Alarms"]["Enable"] is True
    assert config["Alarms"]["Rollback"] is True
    assert config["Alarms"]["AlarmNames"]


def test_deployment_alarms_exist_before_the_service(dev: Assembly) -> None:
    service = _service(dev, "web")
    alarms = dev.resources("ecs", "AWS::CloudWatch::Alarm")
    names = {a["Properties"]["AlarmName"]: logical for logical, a in alarms.items()}
    for alarm_name in service["Properties"]["DeploymentConfiguration"]["Alarms"]["AlarmNames"]:
        assert names[alarm_name] in service["DependsOn"]


def test_web_strategy_base_on_fargate_weight_on_spot(prod: Assembly) -> None:
    strategy = _service(prod, "web")["Properties"]["CapacityProviderStrategy"]
    assert strategy == [{"CapacityProvider": "FARGATE", "Base": 3, "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]


def test_worker_runs_on_the_ec2_capacity_provider_spread_then_binpack(assembly: Assembly) -> None:
    worker = _service(assembly, "worker")["Properties"]
    (strategy,) = worker["CapacityProviderStrategy"]
    assert "Ref" in strategy["CapacityProvider"]
    assert worker["PlacementStrategies"] == [
        {"Type": "spread", "Field": "attribute:ecs.availability-zone"},
        {"Type": "binpack", "Field": "MEMORY"},
    ]


def test_services_run_in_private_subnets_without_public_ip(assembly: Assembly) -> None:
    for name in ("web", "worker"):
        vpc = _service(assembly, name)["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert vpc.get("AssignPublicIp", "DISABLED") == "DISABLED"


def test_web_tasks_accept_traffic_only_from_their_load_balancer(dev: Assembly) -> None:
    ingress = dev.resources("ecs", "AWS::EC2::SecurityGroupIngress")
    rules = {
        name: r["Properties"]
        for name, r in ingress.items()
        if r["Properties"]["FromPort"] == 8080 and "Service Connect" not in r["Properties"]["Description"]
    }
    # web, api (public load balancer) and ledger (internal): one rule each, from a security group.
    assert len(rules) == 3
    assert all("SourceSecurityGroupId" in r and "CidrIp" not in r for r in rules.values())
    (ledger,) = [r for name, r in rules.items() if name.startswith("Ledger")]
    assert ledger["SourceSecurityGroupId"]["Fn::GetAtt"][0].startswith("InternalIngress")


# --- load balancer ---------------------------------------------------------------------


def _load_balancers(assembly: Assembly) -> dict[str, dict[str, Any]]:
    return {name: lb["Properties"] for name, lb in assembly.resources("ecs", "AWS::ElasticLoadBalancingV2::LoadBalancer").items()}


def test_albs_drop_invalid_headers_and_log_access(assembly: Assembly) -> None:
    schemes = {name: lb["Scheme"] for name, lb in _load_balancers(assembly).items()}
    if assembly.env == "dev":  # shared: one internet-facing, one internal
        assert sorted(schemes.values()) == ["internal", "internet-facing"]
        assert schemes["InternalIngressLoadBalancer4C2D92FC"] == "internal"
    else:  # web's own
        assert list(schemes.values()) == ["internet-facing"]
    for lb in _load_balancers(assembly).values():
        attributes = {a["Key"]: a["Value"] for a in lb["LoadBalancerAttributes"]}
        assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
        assert attributes["access_logs.s3.enabled"] == "true"


def test_deletion_protection_in_prod_only(dev: Assembly, prod: Assembly) -> None:
    def protected(assembly: Assembly) -> set[str]:
        return {
            {a["Key"]: a["Value"] for a in lb["LoadBalancerAttributes"]}["deletion_protection.enabled"]
            for lb in _load_balancers(assembly).values()
        }

    assert (protected(dev), protected(prod)) == ({"false"}, {"true"})


def test_prod_serves_https_with_modern_tls_and_redirects_http(prod: Assembly) -> None:
    template = prod.template("ecs")
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "DefaultActions": [Match.object_like({"Type": "redirect", "RedirectConfig": Match.object_like({"Protocol": "HTTPS"})})],
        },
    )


def test_dev_shares_load_balancers_by_host_and_path_with_issued_certificates(dev: Assembly) -> None:
    rules = {
        name.removesuffix(name[-8:]): (r["Properties"]["Priority"], r["Properties"]["Conditions"])
        for name, r in dev.resources("ecs", "AWS::ElasticLoadBalancingV2::ListenerRule").items()
    }
    host = {"Field": "host-header", "HostHeaderConfig": {"Values": ["app.dev.berth.example.com"]}}
    assert rules["ApiServiceRoute"] == (5, [host, {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}])
    assert rules["WebServiceRoute"] == (10, [host])
    assert rules["LedgerServiceRoute"][0] == 40
    certificates = dev.resources("ecs", "AWS::CertificateManager::Certificate").values()
    assert sorted(c["Properties"]["DomainName"] for c in certificates) == ["app.dev.berth.example.com", "ledger.dev.berth.example.com"]
    records = dev.resources("ecs", "AWS::Route53::RecordSet").values()
    assert {(r["Properties"]["Name"], r["Properties"]["HostedZoneId"]) for r in records} == {
        ("app.dev.berth.example.com.", "Z0DEV00000000000000000"),
        ("ledger.dev.berth.example.com.", "Z0DEV00000000000000000"),
    }
    listeners = [lst["Properties"] for lst in dev.resources("ecs", "AWS::ElasticLoadBalancingV2::Listener").values()]
    assert sorted((lst["Port"], lst["Protocol"]) for lst in listeners) == [(80, "HTTP"), (80, "HTTP"), (443, "HTTPS"), (443, "HTTPS")]
    for https in (lst for lst in listeners if lst["Port"] == 443):
        assert https["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] == "404"


def test_alb_access_log_buckets_are_locked_down(assembly: Assembly) -> None:
    buckets = assembly.resources("ecs", "AWS::S3::Bucket")
    assert len(buckets) == (2 if assembly.env == "dev" else 1)  # one per load balancer
    for bucket in buckets.values():
        props = bucket["Properties"]
        encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
        assert encryption["SSEAlgorithm"] == "AES256"
        assert all(props["PublicAccessBlockConfiguration"].values())
        assert bucket["DeletionPolicy"] == "RetainExceptOnCreate"
    policies = assembly.resources("ecs", "AWS::S3::BucketPolicy").values()
    assert len(policies) == len(buckets)
    assert all("aws:SecureTransport" in str(p) for p in policies)


# --- autoscaling -----------------------------------------------------------------------


def _scaling_policies(assembly: Assembly) -> list[dict[str, Any]]:
    return [p["Properties"] for p in assembly.resources("ecs", "AWS::ApplicationAutoScaling::ScalingPolicy").values()]


def test_target_tracking_on_cpu_memory_and_requests(dev: Assembly) -> None:
    metrics = {
        p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"]
        for p in _scaling_policies(dev)
        if "PredefinedMetricSpecification" in p.get("TargetTrackingScalingPolicyConfiguration", {})
    }
    assert metrics == {"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"}


def test_scheduled_scaling_from_config(prod: Assembly) -> None:
    targets = prod.resources("ecs", "AWS::ApplicationAutoScaling::ScalableTarget").values()
    actions = [a for t in targets for a in t["Properties"].get("ScheduledActions", [])]
    assert {a["Schedule"] for a in actions} == {"cron(0 7 ? * MON-FRI *)", "cron(0 20 ? * MON-FRI *)"}
    assert {(t["Properties"]["MinCapacity"], t["Properties"]["MaxCapacity"]) for t in targets} == {(3, 30), (3, 12)}


# --- scheduled task --------------------------------------------------------------------


def _rule(assembly: Assembly, schedule: str) -> dict[str, Any]:
    (rule,) = [
        r["Properties"]
        for r in assembly.resources("ecs", "AWS::Events::Rule").values()
        if r["Properties"]["ScheduleExpression"] == schedule
    ]
    return rule


def test_scheduled_task_runs_on_schedule_with_capacity_provider(dev: Assembly) -> None:
    rule = _rule(dev, "cron(0 3 * * ? *)")
    (target,) = rule["Targets"]
    ecs_parameters = target["EcsParameters"]
    assert ecs_parameters["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
    assert "LaunchType" not in ecs_parameters
    assert ecs_parameters["NetworkConfiguration"]["AwsVpcConfiguration"]["AssignPublicIp"] == "DISABLED"


def test_the_gpu_job_runs_on_the_gpu_group_with_a_gpu_pinned_to_its_container(dev: Assembly) -> None:
    """dev's second capacity group: an x86_64 NVIDIA group on the GPU AMI, associated with the
    cluster beside the general one, and the only provider the GPU job's rule names."""
    resources = dev.template_json(dev.stack("ecs"))["Resources"]
    gpu_provider = next(n for n, r in resources.items() if r["Type"] == "AWS::ECS::CapacityProvider" and n.startswith("GpuCapacity"))
    association = _only(dev.resources("ecs", "AWS::ECS::ClusterCapacityProviderAssociations"))["Properties"]
    assert {"Ref": gpu_provider} in association["CapacityProviders"]
    assert {"Ref": next(n for n in resources if n.startswith("Ec2CapacityCapacityProvider"))} in association["CapacityProviders"]
    (target,) = _rule(dev, "cron(30 3 * * ? *)")["Targets"]
    assert target["EcsParameters"]["CapacityProviderStrategy"] == [{"CapacityProvider": {"Ref": gpu_provider}, "Weight": 1}]
    job = _task_definitions(dev)["embeddings"]["Properties"]
    assert job["ContainerDefinitions"][0]["ResourceRequirements"] == [{"Type": "GPU", "Value": "1"}]
    assert job["RequiresCompatibilities"] == ["EC2"]
    (template,) = [r for n, r in resources.items() if r["Type"] == "AWS::EC2::LaunchTemplate" and n.startswith("GpuCapacity")]
    data = template["Properties"]["LaunchTemplateData"]
    assert data["InstanceType"] == "g5.xlarge"
    assert "amazonlinux2023gpurecommended" in data["ImageId"]["Ref"]
    assert "ECS_ENABLE_GPU_SUPPORT=true" in json.dumps(data["UserData"])


# --- alarms ----------------------------------------------------------------------------


def test_alarm_topic_is_encrypted_and_tls_only(assembly: Assembly) -> None:
    assembly.template("ecs").has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    policy = _only(assembly.resources("ecs", "AWS::SNS::TopicPolicy"))
    assert "aws:SecureTransport" in str(policy)


def test_paging_alarms_per_service(dev: Assembly) -> None:
    names = {a["Properties"]["AlarmName"] for a in dev.resources("ecs", "AWS::CloudWatch::Alarm").values()}
    assert names == {
        "berth-dev-web-cpu-saturation",
        "berth-dev-web-memory-saturation",
        "berth-dev-web-running-below-desired",
        "berth-dev-web-target-5xx",
        "berth-dev-web-unhealthy-targets",
        "berth-dev-api-cpu-saturation",
        "berth-dev-api-memory-saturation",
        "berth-dev-api-running-below-desired",
        "berth-dev-api-target-5xx",
        "berth-dev-api-unhealthy-targets",
        "berth-dev-ledger-cpu-saturation",
        "berth-dev-ledger-memory-saturation",
        "berth-dev-ledger-running-below-desired",
        "berth-dev-ledger-target-5xx",
        "berth-dev-ledger-unhealthy-targets",
        # The shared load balancers' own 5xx: once each, not once per service behind them.
        "berth-dev-public-alb-5xx",
        "berth-dev-internal-alb-5xx",
        "berth-dev-worker-cpu-saturation",
        "berth-dev-worker-memory-saturation",
        "berth-dev-worker-running-below-desired",
        "berth-dev-worker-dead-letters",
        "berth-dev-worker-out-of-zero",  # scales the worker out of zero tasks; pages nobody
    }


def test_alarms_notify_the_topic_on_alarm_and_ok(assembly: Assembly) -> None:
    """Every alarm but those that drive a step-scaling policy (which page nobody)."""
    (topic,) = assembly.resources("ecs", "AWS::SNS::Topic")
    policies = set(assembly.resources("ecs", "AWS::ApplicationAutoScaling::ScalingPolicy"))
    for alarm in assembly.resources("ecs", "AWS::CloudWatch::Alarm").values():
        if any(a.get("Ref") in policies for a in alarm["Properties"]["AlarmActions"]):
            assert alarm["Properties"]["AlarmName"].endswith("-out-of-zero")
            continue
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic}]
        assert alarm["Properties"]["OKActions"] == [{"Ref": topic}]


def test_key_lets_cloudwatch_publish_to_the_encrypted_topic(assembly: Assembly) -> None:
    key = _only(assembly.resources("ecs", "AWS::KMS::Key"))
    assert "AllowCloudWatchAlarmsToEncryptedTopic" in {s.get("Sid") for s in key["Properties"]["KeyPolicy"]["Statement"]}


# --- outputs, tags, removal --------------------------------------------------------------


def test_outputs(dev: Assembly) -> None:
    outputs = dev.template_json(dev.stack("ecs"))["Outputs"]
    assert {"ClusterName", "ClusterArn", "WebServiceName", "WorkerServiceName", "PublicLoadBalancerDns", "InternalLoadBalancerDns"} <= set(
        outputs
    )


def test_cost_allocation_tags_on_resources(prod: Assembly) -> None:
    prod.template("ecs").has_resource_properties(
        "AWS::ECS::Cluster",
        {
            "Tags": Match.array_with(
                [{"Key": "environment", "Value": "prod"}, {"Key": "owner", "Value": "platform-team"}, {"Key": "project", "Value": "berth"}]
            )
        },
    )


def test_prod_stacks_have_termination_protection(prod: Assembly, dev: Assembly) -> None:
    for assembly, expected in ((prod, True), (dev, False)):
        for stack in assembly.stack_names:
            assert assembly.manifest["artifacts"][stack]["properties"].get("terminationProtection", False) is expected


def test_stateful_resources_follow_removal_policy(dev: Assembly, prod: Assembly) -> None:
    for assembly, policy in ((dev, "Delete"), (prod, "RetainExceptOnCreate")):
        for type_ in ("AWS::KMS::Key", "AWS::Logs::LogGroup"):
            for resource in assembly.resources("ecs", type_).values():
                assert resource["DeletionPolicy"] == policy, type_


# --- WAF -------------------------------------------------------------------------------


def test_prod_alb_has_a_waf_web_acl_with_managed_rules_rate_limit_and_logs(prod: Assembly) -> None:
    (acl_id, acl) = next(iter(prod.resources("ecs", "AWS::WAFv2::WebACL").items()))
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL"
    assert props["DefaultAction"] == {"Allow": {}}
    names = [r["Name"] for r in props["Rules"]]
    assert names == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "RateLimitPerIp",
    ]
    (association,) = prod.resources("ecs", "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    (lb_id,) = prod.resources("ecs", "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert association["Properties"]["ResourceArn"] == {"Ref": lb_id}
    (logging,) = prod.resources("ecs", "AWS::WAFv2::LoggingConfiguration").values()
    assert logging["Properties"]["LogDestinationConfigs"] == ["arn:aws:logs:eu-west-1:222222222222:log-group:aws-waf-logs-berth-prod-web"]
    prod.template("ecs").has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "aws-waf-logs-berth-prod-web", "KmsKeyId": Match.any_value()}
    )


def test_dev_waf_is_off_by_config(dev: Assembly) -> None:
    dev.template("ecs").resource_count_is("AWS::WAFv2::WebACL", 0)


def test_services_and_schedule_come_after_the_capacity_provider_association(assembly: Assembly) -> None:
    """Created after it, deleted before it: otherwise "capacity provider is in use" on teardown."""
    (association,) = assembly.resources("ecs", "AWS::ECS::ClusterCapacityProviderAssociations")
    for name in ("web", "worker"):
        assert association in _service(assembly, name)["DependsOn"]
    for rule in assembly.resources("ecs", "AWS::Events::Rule").values():
        assert association in rule["DependsOn"]


def test_asg_is_deleted_before_the_cluster(assembly: Assembly) -> None:
    """The instances' user data names the cluster: the group (and its instances) go first."""
    (cluster,) = assembly.resources("ecs", "AWS::ECS::Cluster")
    templates = _launch_templates(assembly)
    for asg_id, asg in assembly.resources("ecs", "AWS::AutoScaling::AutoScalingGroup").items():
        group = asg_id.split("Group")[0]
        (template_id,) = [t for t in assembly.resources("ecs", "AWS::EC2::LaunchTemplate") if t.startswith(f"{group}LaunchTemplate")]
        assert asg["Properties"]["LaunchTemplate"]["LaunchTemplateId"] == {"Ref": template_id}
        assert {"Ref": cluster} in json.loads(json.dumps(templates[group]["UserData"]))["Fn::Base64"]["Fn::Join"][1]


def test_asg_is_force_deleted_on_teardown_after_the_capacity_provider(assembly: Assembly) -> None:
    """Protected instances cannot hang the stack's deletion (aws-cdk #18179): every group."""
    custom = assembly.resources("ecs", "Custom::AWS")
    providers = assembly.resources("ecs", "AWS::ECS::CapacityProvider")
    for asg_id in assembly.resources("ecs", "AWS::AutoScaling::AutoScalingGroup"):
        group = asg_id.split("Group")[0]
        (teardown_id,) = [n for n, t in custom.items() if asg_id in json.dumps(t["Properties"].get("Delete", ""))]
        teardown = custom[teardown_id]
        delete_call = json.dumps(teardown["Properties"]["Delete"])
        assert "DeleteAutoScalingGroup" in delete_call
        assert "ForceDelete" in delete_call
        assert "Create" not in teardown["Properties"], "nothing happens on create or update"
        (provider,) = [p for n, p in providers.items() if n.startswith(f"{group}CapacityProvider")]
        assert teardown_id in provider["DependsOn"], "deleted only after the capacity provider"
    (function,) = assembly.resources("ecs", "AWS::Lambda::Function").values()
    assert "VpcConfig" in function["Properties"]


def test_one_dashboard_per_environment_covers_every_service_and_is_linked(assembly: Assembly) -> None:
    (dashboard,) = assembly.resources("ecs", "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == f"berth-{assembly.env}"
    body = "".join(p if isinstance(p, str) else "" for p in dashboard["Properties"]["DashboardBody"]["Fn::Join"][1])
    services = {"web", "worker", "api", "ledger"} if assembly.env == "dev" else {"web", "worker"}
    assert {s for s in services if f'"title":"{s}: tasks running / desired"' in body} == services
    assert "CapacityProviderReservation" in body
    url = assembly.template_json(assembly.stack("ecs"))["Outputs"]["DashboardUrl"]["Value"]
    assert url.endswith(f"#dashboards:name=berth-{assembly.env}")


def test_dev_worker_consumes_its_own_queue_and_scales_on_its_backlog(dev: Assembly) -> None:
    queues = dev.resources("ecs", "AWS::SQS::Queue")
    (queue,) = [name for name, q in queues.items() if "RedrivePolicy" in q["Properties"]]
    (worker,) = [t for name, t in _task_definitions(dev).items() if name == "worker"]
    (container,) = worker["Properties"]["ContainerDefinitions"]  # the worker has no sidecar
    assert {"Name": "QUEUE_URL", "Value": {"Ref": queue}} in container["Environment"]
    task_role = {"Ref": worker["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]}
    statements = [
        s
        for p in dev.resources("ecs", "AWS::IAM::Policy").values()
        if task_role in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any("sqs:ReceiveMessage" in s["Action"] and s["Resource"] == {"Fn::GetAtt": [queue, "Arn"]} for s in statements), statements
    policies = [p["Properties"] for p in dev.resources("ecs", "AWS::ApplicationAutoScaling::ScalingPolicy").values()]
    assert {p["PolicyName"] for p in policies if p["PolicyType"] == "TargetTrackingScaling"} >= {"worker-backlog-per-task"}
    assert any(p["PolicyType"] == "StepScaling" for p in policies)


def test_dev_images_come_from_a_repository_berth_creates_and_from_a_build(dev: Assembly) -> None:
    (repository,) = dev.resources("images", "AWS::ECR::Repository").values()
    assert repository["Properties"]["RepositoryName"] == "berth/dev/api"
    tasks = _task_definitions(dev)
    api_image = json.dumps(tasks["api"]["Properties"]["ContainerDefinitions"][0]["Image"])
    assert "berth/dev/api:3.1.0" in api_image
    assert "Fn::ImportValue" not in json.dumps(dev.template_json(dev.stack("ecs")))  # named, not referenced across stacks
    report_image = json.dumps(tasks["nightly-report"]["Properties"]["ContainerDefinitions"][0]["Image"])
    assert "cdk-hnb659fds-container-assets" in report_image
    assets = json.loads((dev.outdir / f"{dev.stack('ecs')}.assets.json").read_text())["dockerImages"]
    assert len(assets) == 1
    # The images stack is deployed before the ECS stack.
    dependencies = dev.manifest["artifacts"][dev.stack("ecs")]["dependencies"]
    assert dev.stack("images") in dependencies
