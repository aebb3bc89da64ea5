"""Several EC2 capacity groups (ecs.cluster.ec2_capacity_groups) and GPU tasks: each workload's
strategy names groups that exist and can run its task (architecture, size, GPUs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import load_config
from tests.config.test_validation import lines, refuse, write_bad

EMBEDDINGS = "ecs.scheduled_tasks[embeddings]"

CASES = [
    pytest.param(
        {"ecs__scheduled_tasks__1__task__container__gpus": 2},
        f"{EMBEDDINGS}.task.container.gpus",
        "asks for 2 GPUs; capacity provider gpu runs g5.xlarge (4 vCPUs, 16 GiB, x86_64, 1 nvidia accelerator), which has 1 NVIDIA GPU",
        id="more-gpus-than-the-instance-has",
    ),
    pytest.param(
        {"ecs__scheduled_tasks__1__capacity_provider_strategy": [{"provider": "EC2"}]},
        f"{EMBEDDINGS}.task.container.gpus",
        "capacity provider EC2 runs m7g.large (2 vCPUs, 8 GiB, arm64), which has no GPUs",
        id="gpu-task-on-a-group-without-gpus",
    ),
    pytest.param(
        {"ecs__scheduled_tasks__1__capacity_provider_strategy": [{"provider": "EC2"}]},
        f"{EMBEDDINGS}.task.architecture",
        "capacity provider EC2 runs arm64 instances (m7g.large); this task is x86_64",
        id="task-architecture-differs-from-its-group",
    ),
    pytest.param(
        {"ecs__scheduled_tasks__1__capacity_provider_strategy": [{"provider": "gpus"}]},
        f"{EMBEDDINGS}.capacity_provider_strategy[0].provider",
        "no EC2 capacity group gpus (EC2 is ecs.cluster.ec2_capacity, the others ec2_capacity_groups: EC2, gpu)",
        id="unknown-group",
    ),
    pytest.param(
        {"ecs__scheduled_tasks__1__capacity_provider_strategy": [{"provider": "FARGATE"}]},
        f"{EMBEDDINGS}.task.container.gpus",
        "Fargate has no GPUs",
        id="gpu-task-on-fargate",
    ),
    pytest.param(
        {"ecs__scheduled_tasks__1__capacity_provider_strategy": [{"provider": "gpu"}, {"provider": "FARGATE"}]},
        f"{EMBEDDINGS}.capacity_provider_strategy",
        "cannot mix Fargate and EC2 providers",
        id="groups-and-fargate-mixed",
    ),
    pytest.param(
        {"ecs__scheduled_tasks__1__capacity_provider_strategy": [{"provider": "Gpu"}]},
        f"{EMBEDDINGS}.capacity_provider_strategy[0].provider",
        "FARGATE, FARGATE_SPOT, EC2 (the cluster's ec2_capacity), or the name of one of ecs.cluster.ec2_capacity_groups",
        id="provider-name-format",
    ),
    pytest.param(
        {"ecs__cluster__ec2_capacity_groups__0__instance_type": "inf2.xlarge"},
        "ecs.cluster.ec2_capacity_groups[gpu].instance_type",
        "neuron accelerators are not supported yet",
        id="neuron-group",
    ),
    pytest.param(
        {"ecs__cluster__ec2_capacity_groups__0__instance_type": "g5g.xlarge"},
        "ecs.cluster.ec2_capacity_groups[gpu].instance_type",
        "or os: bottlerocket (its aws-ecs-2-nvidia variant runs on arm64)",
        id="arm64-gpu-group-on-al2023",
    ),
]


@pytest.mark.parametrize(("edits", "field", "message"), CASES)
def test_a_group_that_cannot_run_the_task_is_refused(tmp_path: Path, edits: dict[str, Any], field: str, message: str) -> None:
    reported = lines(refuse(tmp_path, **edits))
    assert any(line.startswith(f"{field}:") and message in line for line in reported), reported


def test_two_groups_with_one_name_are_refused(tmp_path: Path) -> None:
    group = {"name": "gpu", "ami": {"track_latest": True}, "instance_type": "g5.xlarge", "min_capacity": 0, "max_capacity": 1}
    error = refuse(tmp_path, ecs__cluster__ec2_capacity_groups=[group, group])
    assert "ecs.cluster.ec2_capacity_groups: capacity group name 'gpu' is used more than once" in lines(error)


def test_an_arm64_gpu_group_runs_bottlerocket(tmp_path: Path) -> None:
    """Bottlerocket's aws-ecs-2-nvidia variant has arm64 images; the AL2023 GPU AMI has not."""
    edits = {
        "ecs__cluster__ec2_capacity_groups__0__instance_type": "g5g.xlarge",
        "ecs__cluster__ec2_capacity_groups__0__os": "bottlerocket",
        "ecs__scheduled_tasks__1__task__architecture": "arm64",
        "ecs__scheduled_tasks__1__task__memory_mib": 4096,
    }
    config = load_config(config_path=str(write_bad(tmp_path, edits)))
    assert config.ecs.cluster.ec2_groups["gpu"].gpus == 1


def test_dev_runs_a_gpu_job_on_its_gpu_group() -> None:
    dev = load_config("dev")
    assert dev.ecs.cluster.ec2_groups["gpu"].gpus == 1
    (job,) = [t for t in dev.ecs.scheduled_tasks if t.task.container.gpus]
    assert job.ec2_providers == ("gpu",)
