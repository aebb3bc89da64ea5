"""WorkloadTaskDefinition alone: the hardened container, Exec's writable paths, images, secrets."""

from __future__ import annotations

import re

import pytest
from aws_cdk import RemovalPolicy

from cdk_constructs.errors import ConstructError
from cdk_constructs.grants import Permission
from cdk_constructs.task_definition import EXEC_AGENT_PATHS, ImageRef, SecretSource, TaskProps, WorkloadTaskDefinition
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


def test_a_scratch_path_of_exec_is_refused() -> None:
    with pytest.raises(ConstructError, match="ECS Exec's own"):
        _container(task_props(scratch_paths=("/managed-agents",)), exec_=True)
