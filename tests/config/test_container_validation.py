"""Sidecars, dependencies and volumes: ECS's rules, every problem named at its field."""

from __future__ import annotations

from tests.config.test_service_validation import _problems
from tests.factories import environment

OTEL = "ecs.services[web].task.sidecars[0]"  # where a test edits
SHOWN = "ecs.services[web].task.sidecars[otel]"  # how the report names it


def test_dev_web_has_its_collector_sidecar_and_ledger_its_efs_volume() -> None:
    config = environment("dev")
    web, ledger = config.ecs.services[0].task, config.ecs.services[3].task
    assert [s.name for s in web.sidecars] == ["otel"]
    assert ledger.volumes[0].efs is not None


def test_dependencies_must_name_another_container_in_a_state_it_can_reach() -> None:
    problems = _problems(
        {
            "ecs.services[web].task.container.depends_on": [{"container": "ghost"}],
            f"{OTEL}.depends_on": [{"container": "web", "condition": "SUCCESS"}],
        }
    )
    assert "ecs.services[web].task.container.depends_on[0].container: not another container of this task (its containers: otel)" in problems
    assert f"{SHOWN}.depends_on[0].condition: web is essential: SUCCESS applies to a container that exits" in problems


def test_healthy_needs_a_health_check_and_a_cycle_is_refused() -> None:
    problems = _problems(
        {
            f"{OTEL}.health_check": None,
            f"{OTEL}.depends_on": [{"container": "web"}],
        }
    )
    assert "ecs.services[web].task.container.depends_on[0].condition: otel has no health check to become HEALTHY" in problems
    assert "ecs.services[web].task.container.depends_on: the containers wait on each other: web -> otel -> web" in problems


def test_mounts_name_a_volume_and_sidecars_leave_the_app_memory() -> None:
    problems = _problems({f"{OTEL}.mounts": [{"volume": "nope", "path": "/x"}], f"{OTEL}.memory_mib": 1000})
    assert f"{SHOWN}.mounts[0].volume: no volume named nope in task.volumes" in problems
    assert any(p.startswith("ecs.services[web].task.sidecars: the sidecars take 1000 of the task's 1024 MiB") for p in problems)


def test_a_sidecar_named_like_the_workload_and_a_half_existing_file_system_are_refused() -> None:
    problems = _problems(
        {
            f"{OTEL}.name": "web",
            "ecs.services[ledger].task.volumes[0].efs": {"existing_file_system_id": "fs-0123456789abcdef0"},
        }
    )
    assert "ecs.services[web].task.sidecars[web].name: the task already has a container named web" in problems
    assert any(
        p.startswith(
            "ecs.services[ledger].task.volumes[ledger-files].efs.existing_access_point_id: an existing file system needs all three"
        )
        for p in problems
    )


ROUTER = {"image": {"repository": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/berth/aws-for-fluent-bit", "tag": "3.0.0"}}


def test_dev_ledger_logs_through_a_log_router() -> None:
    router = environment("dev").ecs.services[3].task.log_router
    assert router is not None
    assert (router.memory_mib, router.firehose_delivery_stream_arn) == (64, None)


def test_a_log_router_keeps_its_name_and_port_and_its_memory_comes_out_of_the_app() -> None:
    problems = _problems(
        {
            "ecs.services[web].task.log_router": ROUTER | {"memory_mib": 900},
            f"{OTEL}.name": "log-router",
            f"{OTEL}.port": 24224,
        }
    )
    assert "ecs.services[web].task.sidecars[log-router].name: log-router is the log router's name: choose another" in problems
    assert any(p.startswith("ecs.services[web].task.sidecars[log-router].port: FireLens's log router listens on 24224") for p in problems)
    assert any(
        p.startswith("ecs.services[web].task.sidecars: the sidecars and the log router take 1028 of the task's 1024 MiB") for p in problems
    )


def test_a_container_may_wait_for_the_log_router_to_start_but_not_to_exit() -> None:
    problems = _problems(
        {
            "ecs.services[web].task.log_router": ROUTER,
            "ecs.services[web].task.container.depends_on": [{"container": "log-router", "condition": "COMPLETE"}],
        }
    )
    assert (
        "ecs.services[web].task.container.depends_on[0].condition: log-router is essential: COMPLETE applies to a container that exits"
        in problems
    )
    started = {"ecs.services[web].task.log_router": ROUTER, "ecs.services[web].task.container.depends_on": [{"container": "log-router"}]}
    assert environment("dev", started).ecs.services[0].task.container.depends_on[0].container == "log-router"


def test_a_log_router_firehose_stream_is_an_arn() -> None:
    problems = _problems({"ecs.services[web].task.log_router": ROUTER | {"firehose_delivery_stream_arn": "logs-stream"}})
    assert any(
        p.startswith("ecs.services[web].task.log_router.firehose_delivery_stream_arn: expected a Firehose stream ARN") for p in problems
    )
