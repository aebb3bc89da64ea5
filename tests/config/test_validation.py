"""Bad configuration is refused before any CDK object exists, with every problem named.

Each case edits the shipped dev.yaml in one place and checks the message names the field,
the bad value (where there is one) and what is allowed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import app
from config import ConfigError, load_config, loader
from config.loader import ENVIRONMENTS_DIR

BASES = {name: yaml.safe_load((ENVIRONMENTS_DIR / f"{name}.yaml").read_text()) for name in ("dev", "prod", "qa")}
DEV = BASES["dev"]


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is _DELETE:
        del node[int(last) if last.isdigit() else last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()


def write_bad(tmp_path: Path, edits: dict[str, Any], base: str = "dev") -> Path:
    """The shipped `base` file with `edits` applied (keys are dotted paths written with "__")."""
    data = copy.deepcopy(BASES[base])
    for path, value in edits.items():
        _set(data, path.replace("__", "."), value)
    target = tmp_path / "bad.yaml"
    target.write_text(yaml.safe_dump(data))
    return target


def refuse(tmp_path: Path, base: str = "dev", **edits: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(config_path=str(write_bad(tmp_path, edits, base)))
    return info.value


def lines(error: ConfigError) -> list[str]:
    return [p.render() for p in error.problems]


def test_shipped_environments_are_valid() -> None:
    for name in ("dev", "prod", "qa"):
        assert load_config(name).name == name


CASES = [
    pytest.param({"network__nat_gatways": 1}, "network.nat_gatways", "unknown field; did you mean 'nat_gateways'?", id="typo"),
    pytest.param({"ecs__services__0__desired_count": "two"}, "ecs.services[web].desired_count", "valid integer", id="wrong-type"),
    pytest.param(
        {"ecs__cluster__ec2_capacity__min_capacity": 5},
        "ecs.cluster.ec2_capacity.min_capacity",
        "greater than max_capacity (3)",
        id="asg-min-gt-max",
    ),
    pytest.param(
        {"ecs__services__0__autoscaling__min_tasks": 7},
        "ecs.services[web].autoscaling.min_tasks",
        "min_tasks (7) is greater than max_tasks (6)",
        id="tasks-min-gt-max",
    ),
    pytest.param(
        {"ecs__services__0__desired_count": 9},
        "ecs.services[web].desired_count",
        "within autoscaling [min_tasks, max_tasks] = [2, 6]",
        id="desired-out-of-range",
    ),
    pytest.param({"network__cidr": "10.10.0.0/33"}, "network.cidr", "not a valid IPv4 CIDR block", id="cidr-invalid"),
    pytest.param(
        {"network__cidr": "10.10.0.1/16"}, "network.cidr", "host bits set; the network address is 10.10.0.0/16", id="cidr-host-bits"
    ),
    pytest.param({"network__cidr": "10.0.0.0/12"}, "network.cidr", "between /16 and /24", id="cidr-too-large"),
    pytest.param(
        {"availability_zones": ["eu-west-1a", "us-east-1b"]}, "availability_zones", "not in region eu-west-1", id="az-other-region"
    ),
    pytest.param(
        {"ecs__services__0__task__memory_mib": 8192},
        "ecs.services[web].task.memory_mib",
        "allowed: 1024, 2048, 3072, 4096 MiB",
        id="fargate-memory",
    ),
    pytest.param({"ecs__services__0__task__cpu": 300}, "ecs.services[web].task.cpu", "allowed: 256, 512, 1024", id="fargate-cpu"),
    pytest.param(
        {"ecs__services__0__task__architecture": "arm64"},
        "ecs.services[web].capacity_provider_strategy",
        "Fargate Spot does not run ARM64 tasks",
        id="arm64-on-fargate-spot",
    ),
    pytest.param(
        {"ecs__services__0__capacity_provider_strategy": [{"provider": "FARGATE", "weight": 1}, {"provider": "EC2", "weight": 1}]},
        "ecs.services[web].capacity_provider_strategy",
        "cannot mix Fargate and EC2 providers",
        id="mixed-providers",
    ),
    pytest.param(
        {"ecs__services__1__task__architecture": "x86_64"},
        "ecs.services[worker].task.architecture",
        "runs arm64 instances (m7g.large); this task is x86_64",
        id="ec2-architecture-mismatch",
    ),
    pytest.param({"ecs__services__0__task__container__user": "0"}, "ecs.services[web].task.container.user", "non-root", id="root-user"),
    pytest.param(
        {"ecs__services__0__task__container__environment": {"DB_PASSWORD": "hunter2"}},
        "ecs.services[web].task.container.environment",
        "move them to 'secrets'",
        id="secret-in-plain-env",
    ),
    pytest.param(
        {"ecs__services__1__task__permissions": [{"actions": ["sqs:*"], "resources": ["arn:aws:sqs:eu-west-1:111111111111:jobs"]}]},
        "ecs.services[worker].task.permissions[0].actions",
        "whole-service wildcards are refused",
        id="service-wildcard-action",
    ),
    pytest.param(
        {"ecs__scheduled_tasks__0__task__permissions__0__wildcard_reason": _DELETE},
        "ecs.scheduled_tasks[nightly-report].task.permissions[0].wildcard_reason",
        "say why",
        id="unexplained-wildcard-resource",
    ),
    pytest.param(
        {"ecs__domain": _DELETE},
        "ecs.ingress.public.certificate_arn",
        "needs HTTPS: routes with host names in ecs.domain, a `certificate_arn`, or 'allow_plain_http: true' (dev only)",
        id="no-tls-without-opt-in",
    ),
    pytest.param({"ecs__cluster__ec2_capacity__ami": {}}, "ecs.cluster.ec2_capacity.ami.id", "exactly one of 'id'", id="ami-not-chosen"),
    pytest.param(
        {"ecs__services__0__task__container__image__digest": "sha256:abc"},
        "ecs.services[web].task.container.image.digest",
        "expected an image digest: sha256: and 64 hexadecimal digits",
        id="bad-digest",
    ),
    pytest.param(
        {"network__nat_gateways": 3}, "network.nat_gateways", "more NAT gateways than availability zones", id="nat-per-missing-az"
    ),
    pytest.param({"account": "12345"}, "account", "expected a 12-digit AWS account id, quoted", id="bad-account"),
    pytest.param({"tags__owner": _DELETE}, "tags.owner", "required field is missing", id="missing-owner-tag"),
    pytest.param(
        {"network__interface_endpoints": ["ecr.api", "s3-typo"]},
        "network.interface_endpoints",
        "unknown interface endpoint",
        id="unknown-endpoint",
    ),
    pytest.param(
        {"ecs__scheduled_tasks__0__schedule": "every day"},
        "ecs.scheduled_tasks[nightly-report].schedule",
        "expected cron(minute hour",
        id="bad-schedule",
    ),
    # Configurations that synthesized cleanly but cannot deploy (issue 10).
    pytest.param(
        {"region": "eu-west-9"},
        "region",
        "no AWS region has this name; did you mean eu-west-1 or eu-west-2 or eu-west-3?",
        id="region-that-does-not-exist",
    ),
    pytest.param(
        {"availability_zones": ["eu-west-1a", "eu-west-1z"]},
        "availability_zones",
        "no AWS region has a zone with that letter",
        id="zone-letter-no-region-has",
    ),
    pytest.param(
        {"ecs__services__1__task__memory_mib": 16384},
        "ecs.services[worker].task.memory_mib",
        "ECS can place at most about 7782 MiB on m7g.large (2 vCPUs, 8 GiB, arm64)",
        id="ec2-task-larger-than-its-instance",
    ),
    pytest.param(
        {"ecs__services__1__task__cpu": 4096},
        "ecs.services[worker].task.cpu",
        "the task needs 4096 CPU units; m7g.large (2 vCPUs, 8 GiB, arm64) offers 2048",
        id="ec2-task-more-cpu-than-its-instance",
    ),
    pytest.param(
        {"ecs__cluster__ec2_capacity__instance_type": "g5g.xlarge"},
        "ecs.cluster.ec2_capacity.instance_type",
        "the ECS GPU-optimized Amazon Linux 2023 AMI is x86_64 only",
        id="arm64-gpu-instance-on-al2023",
    ),
    pytest.param(
        {"ecs__cluster__ec2_capacity__instance_type": "m7g.larg"},
        "ecs.cluster.ec2_capacity.instance_type",
        "did you mean m7g.large",
        id="unknown-instance-type",
    ),
    pytest.param(
        {
            "ecs__services__1__task__permissions": [
                {
                    "actions": ["secretsmanager:GetSecretValue"],
                    "resources": ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:dev/worker/token"],
                }
            ]
        },
        "ecs.services[worker].task.permissions[0].resources",
        "six-character suffix",
        id="secret-arn-without-suffix",
    ),
]


@pytest.mark.parametrize(("edits", "field", "message"), CASES)
def test_bad_config_is_refused_with_field_and_reason(tmp_path: Path, edits: dict[str, Any], field: str, message: str) -> None:
    error = refuse(tmp_path, **edits)
    matching = [line for line in lines(error) if line.startswith(f"{field}:")]
    assert matching, f"no problem reported for {field}: {lines(error)}"
    assert any(message in line for line in matching), matching
    assert "bad.yaml" in str(error)
    assert "environment 'dev'" in str(error)


def test_bad_values_are_shown(tmp_path: Path) -> None:
    error = refuse(tmp_path, ecs__services__0__task__cpu=300)
    assert "(got 300)" in str(error)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    error = refuse(
        tmp_path,
        network__nat_gatways=1,
        availability_zones=["eu-west-1a", "eu-central-1b"],
        ecs__services__0__task__cpu=300,
        ecs__services__1__autoscaling__min_tasks=9,
        ecs__scheduled_tasks__0__task__memory_mib="lots",
        ecs__scheduled_tasks__0__capacity_provider_strategy=[{"provider": "FARGATE_SPOT"}, {"provider": "EC2"}],
    )
    fields = {p.field for p in error.problems}
    assert fields == {
        "network.nat_gatways",
        "availability_zones",
        "ecs.services[web].task.cpu",
        "ecs.services[worker].autoscaling.min_tasks",
        "ecs.scheduled_tasks[nightly-report].task.memory_mib",
        "ecs.scheduled_tasks[nightly-report].capacity_provider_strategy",
    }
    assert str(error).startswith("berth: invalid configuration in ")
    assert "6 problems" in str(error)


def test_config_models_are_immutable() -> None:
    config = load_config("dev")
    with pytest.raises(ValueError, match="frozen"):
        config.name = "other"  # type: ignore[misc]


def test_name_must_match_environment_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "stage.yaml").write_text(yaml.safe_dump(DEV))
    monkeypatch.setattr(loader, "ENVIRONMENTS_DIR", tmp_path)
    with pytest.raises(ConfigError, match="must match the environment file name 'stage'"):
        load_config("stage")


@pytest.mark.parametrize(("edits", "field", "message"), CASES)
def test_app_exits_2_with_the_report_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], edits: dict[str, Any], field: str, message: str
) -> None:
    """The same cases through app.main(), as `cdk synth -c config=...` runs it (in-process: no jsii)."""
    assert_app_refuses(write_bad(tmp_path, edits), field, message, monkeypatch, capsys)


def assert_app_refuses(path: Path, field: str, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """app.main() on `path`: exit 2, the problem in the report, no traceback, nothing written."""
    outdir = path.parent / "out"
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"config": str(path)}))
    monkeypatch.setenv("CDK_OUTDIR", str(outdir))
    assert app.main() == 2
    err = capsys.readouterr().err
    assert f"  - {field}: " in err
    assert message in err
    assert "Traceback" not in err
    assert not outdir.exists()


def test_cross_field_checks_run_when_other_fields_are_wrong(tmp_path: Path) -> None:
    """pydantic skips a model's cross-field checks when any of its fields fails; berth does not."""
    error = refuse(
        tmp_path,
        network__nat_gateways=3,  # more NAT gateways than zones: a check on the whole environment
        ecs__services__0__desired_count=9,  # outside autoscaling: a check on the service...
        ecs__services__0__task__container__port="x",  # ...whose task is wrong too
        eks__version="1.99",  # wrong in the EKS section...
        eks__autoscaler="karpenter",  # ...beside a check on that section
    )
    fields = [p.field for p in error.problems]
    assert fields == [
        "ecs.services[web].task.container.port",
        "ecs.services[web].desired_count",
        "eks.version",
        "eks.autoscaler",
        "network.nat_gateways",
    ]
