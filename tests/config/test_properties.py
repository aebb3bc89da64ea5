"""Property-based tests of the configuration layer (Hypothesis).

Generated valid configurations are accepted; generated invalid ones are refused with a
ConfigError naming the field (never another exception); two generated valid ones are
synthesized in full with every check on (capped, so the suite stays fast).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import ConfigError, PlatformConfig, load_config
from config.limits import FARGATE_MEMORY_BY_CPU
from config.loader import ENVIRONMENTS_DIR
from stacks.context import project_context
from stacks.platform import build_app
from tests.assembly import Assembly
from tests.nag_support import assert_no_findings

DEV: dict[str, Any] = yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())
FARGATE_SIZES = [(cpu, memory) for cpu, memories in FARGATE_MEMORY_BY_CPU.items() for memory in memories]


@st.composite
def valid_configs(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(DEV)
    zones = draw(st.integers(min_value=2, max_value=3))
    data["availability_zones"] = [f"eu-west-1{c}" for c in "abc"[:zones]]
    data["network"]["nat_gateways"] = draw(st.integers(min_value=1, max_value=zones))
    capacity = data["ecs"]["cluster"]["ec2_capacity"]
    capacity["min_capacity"] = draw(st.integers(min_value=0, max_value=5))
    capacity["max_capacity"] = draw(st.integers(min_value=max(1, capacity["min_capacity"]), max_value=20))
    capacity["os"] = draw(st.sampled_from(["al2023", "bottlerocket"]))
    web = data["ecs"]["services"][0]
    web["task"]["cpu"], web["task"]["memory_mib"] = draw(st.sampled_from(FARGATE_SIZES))
    low = draw(st.integers(min_value=0, max_value=10))
    high = draw(st.integers(min_value=max(1, low), max_value=50))
    web["autoscaling"]["min_tasks"], web["autoscaling"]["max_tasks"] = low, high
    web["desired_count"] = draw(st.integers(min_value=low, max_value=high))
    web["autoscaling"]["cpu_target_percent"] = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=100)))
    report = data["ecs"]["scheduled_tasks"][0]
    report["task"]["cpu"], report["task"]["memory_mib"] = draw(st.sampled_from(FARGATE_SIZES))
    if draw(st.booleans()):
        report["task"]["architecture"] = "arm64"
        report["capacity_provider_strategy"] = [{"provider": "FARGATE", "weight": 1}]
    return data


# One invalid edit each: (path, value, field the error must name).
INVALID_EDITS = st.sampled_from(
    [
        (("network", "nat_gateways"), 0, "network.nat_gateways"),
        (("network", "cidr"), "10.0.0.0/8", "network.cidr"),
        (("ecs", "cluster", "ec2_capacity", "min_capacity"), 99, "ecs.cluster.ec2_capacity.min_capacity"),
        (("ecs", "services", 0, "task", "cpu"), 333, "ecs.services[web].task.cpu"),
        (("ecs", "services", 0, "desired_count"), 1000, "ecs.services[web].desired_count"),
        (("ecs", "services", 0, "task", "container", "user"), "root", "ecs.services[web].task.container.user"),
        (("region",), "mars-1", "region"),
        (("tags", "owner"), "", "tags.owner"),
    ]
)


def _write(tmp_path: Path, data: dict[str, Any], name: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=valid_configs())
def test_generated_valid_configs_are_accepted(tmp_path: Path, data: dict[str, Any]) -> None:
    config = load_config(config_path=str(_write(tmp_path, data, "valid")))
    assert isinstance(config, PlatformConfig)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=valid_configs(), edit=INVALID_EDITS)
def test_generated_invalid_configs_are_refused_cleanly(
    tmp_path: Path, data: dict[str, Any], edit: tuple[tuple[Any, ...], Any, str]
) -> None:
    path, value, field = edit
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError) as info:
        load_config(config_path=str(_write(tmp_path, data, "invalid")))
    assert field in {p.field for p in info.value.problems}, info.value


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=valid_configs())
def test_generated_valid_configs_synthesize_with_every_check_clean(tmp_path_factory: Any, data: dict[str, Any]) -> None:
    outdir = tmp_path_factory.mktemp("generated")
    config = load_config(config_path=str(_write(outdir, data, "dev")))
    build_app(config, outdir=str(outdir / "cdk.out"), context=project_context()).synth()
    assert_no_findings(Assembly(outdir / "cdk.out"))
