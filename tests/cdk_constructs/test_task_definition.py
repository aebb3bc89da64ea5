"""WorkloadTaskDefinition alone: the hardened container, Exec's writable paths, images, secrets, GPUs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Template

from cdk_constructs.errors import ConstructError
from cdk_constructs.grants import Permission
from cdk_constructs.shared_files import SharedFiles, SharedFilesProps
from cdk_constructs.task_definition import (
    EXEC_AGENT_PATHS,
    Dependency,
    EfsVolume,
    HealthCheckProps,
    ImageRef,
    LogRouterProps,
    Mount,
    SecretSource,
    SidecarProps,
    TaskProps,
    WorkloadTaskDefinition,
)
from tests.cdk_constructs.support import bare, task_props


def _container(props: TaskProps, *, fargate: bool = True, exec_: bool = False) -> tuple[dict, dict]:
    b = bare()
    WorkloadTaskDefinition(
        b.stack, "Task", workload="app", props=props, fargate=fargate, key=b.key, removal_policy=RemovalPolicy.DESTROY, enable_exec=exec_
    )
    (task,) = b.template().find_resources("AWS::ECS::TaskDefinition").values()
    return task["Properties"], task["Properties"]["ContainerDefinitions"][0]


def test_read_only_root_non_root_user_and_init() -> None:
    _, container = _container(task_props())
    assert container["ReadonlyRootFilesystem"] is True
    assert container["User"] == "1000:1000"
    assert container["LinuxParameters"]["InitProcessEnabled"] is True


def test_exec_on_fargate_mounts_every_agent_path() -> None:
    _, container = _container(task_props(), exec_=True)
    assert sorted(m["ContainerPath"] for m in container["MountPoints"]) == sorted(EXEC_AGENT_PATHS)


def test_exec_on_ec2_leaves_the_path_the_ecs_agent_mounts_itself() -> None:
    task, container = _container(task_props(), fargate=False, exec_=True)
    assert "/var/log/amazon/ssm" not in [m["ContainerPath"] for m in container["MountPoints"]]
    assert task["PlacementConstraints"] == [{"Expression": "attribute:ecs.cpu-architecture == x86_64", "Type": "memberOf"}]


def test_an_image_outside_ecr_is_pulled_by_reference() -> None:
    _, container = _container(task_props(image=ImageRef(repository="public.example/app", tag="1.2.3")))
    assert container["Image"] == "public.example/app:1.2.3"


def test_an_image_needs_exactly_one_of_tag_and_digest() -> None:
    with pytest.raises(ConstructError, match=re.escape("Test/Task: image public.example/app: give exactly one of a tag or a digest")):
        _container(task_props(image=ImageRef(repository="public.example/app")))


def test_secrets_come_from_secrets_manager_or_ssm() -> None:
    secrets = {
        "DB": SecretSource(secrets_manager_arn="arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf", json_key="password"),
        "TOKEN": SecretSource(ssm_parameter="/app/token"),
    }
    _, container = _container(task_props(secrets=secrets))
    assert [s["Name"] for s in container["Secrets"]] == ["DB", "TOKEN"]


def test_the_task_role_holds_only_the_permissions_given() -> None:
    b = bare()
    grant = Permission(actions=("s3:GetObject",), resources=("arn:aws:s3:::bucket/*",))
    WorkloadTaskDefinition(
        b.stack,
        "Task",
        workload="app",
        props=task_props(permissions=(grant,)),
        fargate=True,
        key=b.key,
        removal_policy=RemovalPolicy.DESTROY,
    )
    policies = b.template().find_resources("AWS::IAM::Policy")
    task_policy = next(p for name, p in policies.items() if "TaskRole" in name)
    assert task_policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::bucket/*"}
    ]


def test_scratch_paths_are_writable_volumes_under_the_read_only_root() -> None:
    task, container = _container(task_props(scratch_paths=("/tmp", "/app/cache")))
    assert container["ReadonlyRootFilesystem"] is True
    mounts = {m["ContainerPath"]: m for m in container["MountPoints"]}
    assert set(mounts) == {"/tmp", "/app/cache"}
    assert all(m["ReadOnly"] is False for m in mounts.values())
    assert {v["Name"] for v in task["Volumes"]} == {"scratch-tmp", "scratch-app-cache"}


def test_gpus_are_a_resource_requirement_of_the_app_container_on_ec2() -> None:
    _, container = _container(task_props(gpus=2), fargate=False)
    assert container["ResourceRequirements"] == [{"Type": "GPU", "Value": "2"}]
    _, plain = _container(task_props(), fargate=False)
    assert "ResourceRequirements" not in plain


def test_gpus_on_fargate_are_refused() -> None:
    with pytest.raises(ConstructError, match="Fargate has no GPUs"):
        _container(task_props(gpus=1), fargate=True)


def test_a_scratch_path_of_exec_is_refused() -> None:
    with pytest.raises(ConstructError, match="ECS Exec's own"):
        _container(task_props(scratch_paths=("/managed-agents",)), exec_=True)


def _task(props: TaskProps, **kwargs: object) -> tuple[dict, dict[str, dict], object]:
    b = bare()
    WorkloadTaskDefinition(
        b.stack, "Task", workload="app", props=props, fargate=True, key=b.key, removal_policy=RemovalPolicy.DESTROY, **kwargs
    )  # type: ignore[arg-type]
    template = b.template()
    (task,) = template.find_resources("AWS::ECS::TaskDefinition").values()
    return task["Properties"], {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}, template


PROXY = SidecarProps(
    name="proxy",
    image=ImageRef(repository="111111111111.dkr.ecr.eu-west-1.amazonaws.com/proxy", tag="1.0"),
    memory_mib=128,
    health_check=HealthCheckProps(command=("CMD", "/health")),
    mounts=(Mount(volume="shared", path="/shared", read_only=True),),
)


def test_a_sidecar_is_hardened_takes_its_memory_from_the_app_and_shares_a_volume() -> None:
    props = task_props(
        sidecars=(PROXY,),
        volumes=("shared",),
        mounts=(Mount(volume="shared", path="/shared"),),
        depends_on=(Dependency(container="proxy", condition="HEALTHY"),),
    )
    task, containers, _ = _task(props)
    app, proxy = containers["app"], containers["proxy"]
    assert (app["Memory"], proxy["Memory"]) == (1024 - 128, 128)
    assert proxy["ReadonlyRootFilesystem"] is True
    assert proxy["User"] == "1000:1000"
    assert proxy["LogConfiguration"]["Options"]["awslogs-stream-prefix"] == "proxy"
    assert app["DependsOn"] == [{"ContainerName": "proxy", "Condition": "HEALTHY"}]
    assert proxy["MountPoints"] == [{"ContainerPath": "/shared", "ReadOnly": True, "SourceVolume": "shared"}]
    assert app["MountPoints"] == [{"ContainerPath": "/shared", "ReadOnly": False, "SourceVolume": "shared"}]
    assert task["Volumes"] == [{"Name": "shared"}]


@pytest.mark.parametrize(
    ("props", "reason"),
    [
        (task_props(mounts=(Mount(volume="missing", path="/x"),)), "mounts missing, which is not a volume"),
        (task_props(depends_on=(Dependency(container="ghost"),)), "depends on ghost, which is not a container"),
        (task_props(sidecars=(SidecarProps(name="app", image=PROXY.image, memory_mib=64),)), "cannot be named app"),
    ],
)
def test_references_to_unknown_volumes_or_containers_are_refused(props: TaskProps, reason: str) -> None:
    with pytest.raises(ConstructError, match=reason):
        _task(props)


def test_an_efs_volume_mounts_over_tls_with_iam_through_its_access_point_and_grants_only_that() -> None:
    b = bare()
    files = SharedFiles(b.stack, "Files", vpc=b.vpc, key=b.key, removal_policy=RemovalPolicy.DESTROY, props=SharedFilesProps(path="/app"))
    WorkloadTaskDefinition(
        b.stack,
        "Task",
        workload="app",
        props=task_props(mounts=(Mount(volume="files", path="/var/lib/app"),)),
        fargate=True,
        key=b.key,
        removal_policy=RemovalPolicy.DESTROY,
        efs_volumes={"files": EfsVolume(file_system=files.file_system, access_point=files.access_point)},
    )
    template = b.template()
    (task,) = template.find_resources("AWS::ECS::TaskDefinition").values()
    (volume,) = task["Properties"]["Volumes"]
    assert volume["EFSVolumeConfiguration"]["TransitEncryption"] == "ENABLED"
    assert volume["EFSVolumeConfiguration"]["AuthorizationConfig"]["IAM"] == "ENABLED"
    statements = [s for p in template.find_resources("AWS::IAM::Policy").values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (mount,) = [s for s in statements if "elasticfilesystem:ClientMount" in s["Action"]]
    assert mount["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert "elasticfilesystem:AccessPointArn" in mount["Condition"]["StringEquals"]


def test_an_image_from_a_created_repository_is_pulled_from_it_alone() -> None:
    image = ImageRef(created_repository="berth/test/api", tag="3.1.0")
    _, containers, template = _task(task_props(image=image))
    assert "berth/test/api:3.1.0" in str(containers["app"]["Image"])
    statements = [s for p in template.find_resources("AWS::IAM::Policy").values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    pulls = [s for s in statements if "ecr:BatchGetImage" in s["Action"]]
    assert pulls
    assert all("repository/berth/test/api" in str(s["Resource"]) for s in pulls)


def test_an_image_built_from_a_dockerfile_is_an_asset_for_the_task_architecture(tmp_path: Path) -> None:
    context = tmp_path
    (context / "Dockerfile").write_text("FROM scratch\n")
    b = bare()
    WorkloadTaskDefinition(
        b.stack,
        "Task",
        workload="app",
        props=task_props(image=ImageRef(build_directory=str(context)), architecture="arm64"),
        fargate=True,
        key=b.key,
        removal_policy=RemovalPolicy.DESTROY,
    )
    (task,) = b.template().find_resources("AWS::ECS::TaskDefinition").values()
    assert "cdk-hnb659fds-container-assets" in str(task["Properties"]["ContainerDefinitions"][0]["Image"])


@pytest.mark.parametrize(
    "image",
    [ImageRef(repository="x/app", created_repository="berth/x", tag="1"), ImageRef(created_repository="berth/x")],
    ids=["two-sources", "no-reference"],
)
def test_an_image_with_two_sources_or_no_reference_is_refused(image: ImageRef) -> None:
    with pytest.raises(ConstructError, match="exactly one"):
        _task(task_props(image=image))


ROUTER_IMAGE = ImageRef(repository="111111111111.dkr.ecr.eu-west-1.amazonaws.com/aws-for-fluent-bit", tag="3.0.0")


def test_a_log_router_takes_the_containers_logs_to_the_log_group_and_runs_as_firelens_needs() -> None:
    props = task_props(sidecars=(PROXY,), volumes=("shared",), log_router=LogRouterProps(image=ROUTER_IMAGE))
    _, containers, template = _task(props)
    router = containers["log-router"]
    assert router["FirelensConfiguration"] == {"Type": "fluentbit"}
    assert (router["User"], router["ReadonlyRootFilesystem"], router["Essential"], router["Memory"]) == ("0", True, True, 64)
    assert "PortMappings" not in router
    assert router["LogConfiguration"]["LogDriver"] == "awslogs"
    assert containers["app"]["Memory"] == 1024 - 128 - 64
    for name in ("app", "proxy"):
        logging = containers[name]["LogConfiguration"]
        assert logging["LogDriver"] == "awsfirelens"
        assert logging["Options"]["Name"] == "cloudwatch_logs"
        assert logging["Options"]["log_stream_prefix"] == f"{name}/"
        assert {"ContainerName": "log-router", "Condition": "START"} in containers[name]["DependsOn"]
    (log_group,) = template.find_resources("AWS::Logs::LogGroup")
    task_role = json.dumps(_task_role_statements(template))
    assert '"logs:PutLogEvents"' in task_role
    assert log_group in task_role


def _task_role_statements(template: Template) -> list[dict]:
    policies = template.find_resources("AWS::IAM::Policy")
    return [s for name, p in policies.items() if name.startswith("TaskTaskRole") for s in p["Properties"]["PolicyDocument"]["Statement"]]


def test_a_log_router_to_firehose_may_put_records_to_that_stream_only() -> None:
    arn = "arn:aws:firehose:eu-west-1:111111111111:deliverystream/app-logs"
    _, containers, template = _task(task_props(log_router=LogRouterProps(image=ROUTER_IMAGE, firehose_delivery_stream_arn=arn)))
    options = containers["app"]["LogConfiguration"]["Options"]
    assert options == {"Name": "kinesis_firehose", "region": "eu-west-1", "delivery_stream": "app-logs"}
    statements = _task_role_statements(template)
    assert statements == [{"Action": "firehose:PutRecordBatch", "Effect": "Allow", "Resource": arn}]


def test_a_sidecar_cannot_take_the_log_routers_name() -> None:
    sidecar = SidecarProps(name="log-router", image=ROUTER_IMAGE, memory_mib=64)
    with pytest.raises(ConstructError, match="log router's container name"):
        _task(task_props(sidecars=(sidecar,), log_router=LogRouterProps(image=ROUTER_IMAGE)))
