"""A failure inside aws-cdk-lib, or a cdk-nag error finding, is one berth message: the construct
being built, the config field behind it, exit 2, no traceback, and no assembly to deploy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk import aws_ec2 as ec2

import app as berth_app
from config import load_config
from config.models import PlatformConfig
from stacks import synthesis
from stacks.context import project_context

ASSEMBLY = ("manifest.json", "berth-prod-eks.template.json", "berth-dev-ecs.template.json")


def _prod_with_inferentia_on_a_standard_ami() -> PlatformConfig:
    """A combination config refuses; built past validation to reach aws-cdk-lib, which raises."""
    prod = load_config("prod")
    assert prod.eks is not None
    group = prod.eks.node_groups[0].model_copy(update={"instance_types": ("inf2.xlarge",), "ami_type": "AL2023_X86_64_STANDARD"})
    return prod.model_copy(update={"eks": prod.eks.model_copy(update={"node_groups": (group,)})})


@pytest.fixture
def outdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "manifest.json").write_text("{}")  # an earlier run's assembly must not survive a failed one
    monkeypatch.setenv("CDK_OUTDIR", str(out))
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps(project_context()))
    return out


def test_an_error_inside_aws_cdk_lib_names_the_construct_and_the_config_field(outdir: Path) -> None:
    with pytest.raises(synthesis.SynthError) as info:
        synthesis.synthesize(_prod_with_inferentia_on_a_standard_ami(), outdir=str(outdir))
    message = str(info.value)
    assert message.startswith("berth: synthesis of environment 'prod' failed while building berth-prod-eks/System")
    assert "(config: eks.node_groups[system])" in message
    assert "Kubectl Provider is not defined" in message
    assert "@jsii" not in message
    assert "at Kernel" not in message
    assert not [p.name for p in outdir.iterdir()]


def test_a_construct_that_refuses_its_props_names_itself_and_the_config_field(outdir: Path) -> None:
    """berth's constructs raise ConstructError (no bare assert, which `python -O` would drop)."""
    dev = load_config("dev")
    web = dev.ecs.services[0]
    image = web.task.container.image.model_copy(update={"tag": None, "digest": None})  # past validation: neither
    container = web.task.container.model_copy(update={"image": image})
    web = web.model_copy(update={"task": web.task.model_copy(update={"container": container})})
    broken = dev.model_copy(update={"ecs": dev.ecs.model_copy(update={"services": (web, *dev.ecs.services[1:])})})
    with pytest.raises(synthesis.SynthError) as info:
        synthesis.synthesize(broken, outdir=str(outdir))
    message = str(info.value)
    assert message.startswith("berth: synthesis of environment 'dev' failed while building berth-dev-ecs/WebTask")
    assert "(config: ecs.services[web].task)" in message
    assert "give exactly one of a tag or a digest" in message
    assert not [p.name for p in outdir.iterdir()]


def test_a_nag_error_finding_keeps_the_report_and_nothing_else(outdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = synthesis.build_app

    def with_unsafe_template(config: PlatformConfig, **kwargs: Any) -> App:
        app = real(config, **kwargs)
        ec2.CfnLaunchTemplate(app.node.find_child("berth-dev-ecs"), "Unsafe", launch_template_data={"instanceType": "m7g.large"})
        return app

    monkeypatch.setattr(synthesis, "build_app", with_unsafe_template)
    with pytest.raises(synthesis.SynthError, match="the checks refused environment 'dev'"):
        synthesis.synthesize(load_config("dev"), outdir=str(outdir))
    assert sorted(p.name for p in outdir.iterdir()) == [synthesis.REPORT]
    report = json.loads((outdir / synthesis.REPORT).read_text())
    assert any(v["ruleName"] == "Berth-EC21" for r in report["pluginReports"] for v in r["violations"])


def test_the_app_exits_2_with_the_message_and_no_traceback(
    outdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(berth_app, "load_config", lambda *_: _prod_with_inferentia_on_a_standard_ami())
    assert berth_app.main() == 2
    err = capsys.readouterr().err
    assert "berth: synthesis of environment 'prod' failed while building berth-prod-eks/System" in err
    assert "Traceback" not in err
    for name in ASSEMBLY:
        assert not (outdir / name).exists()


def test_a_bad_config_leaves_no_earlier_assembly_to_deploy(
    outdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (outdir / "berth-dev-ecs.template.json").write_text("{}")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: dev\nregion: eu-west-9\n")
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"config": str(bad)}))
    assert berth_app.main() == 2
    assert "region: no AWS region has this name" in capsys.readouterr().err
    assert list(outdir.iterdir()) == []
