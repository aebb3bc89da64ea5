"""The review's first screen: the worst change first, whatever else the change does."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.context import project_context
from stacks.platform import build_app
from tests.assembly import Assembly
from tests.factories import environment
from tools.review import render


@pytest.fixture(scope="module")
def public_prod_and_staging(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """prod with its API endpoint public from one address, and a new environment."""
    configs = {
        "prod": environment("prod", {"eks.endpoint": {"public_access": True, "public_access_cidrs": ["198.51.100.7/32"]}}),
        "staging": environment("dev", {"name": "staging", "tags.environment": "staging", "network.cidr": "10.30.0.0/16"}),
    }
    outdirs = {}
    for env, config in configs.items():
        outdir = tmp_path_factory.mktemp(f"review-{env}")
        build_app(config, outdir=str(outdir), context=project_context()).synth()
        outdirs[env] = outdir
    return outdirs


def test_a_public_prod_endpoint_is_on_the_first_screen_beside_a_new_environment(
    assemblies: dict[str, Assembly], public_prod_and_staging: dict[str, Path]
) -> None:
    base = {env: a.outdir for env, a in assemblies.items()}
    head = {**base, **public_prod_and_staging}
    lines = render(base, head, "main").splitlines()
    first = "\n".join(lines[:20])
    assert "**exposed to the internet** prod / eks:" in first
    assert 'endpoint: private only -> **public** from ["198.51.100.7/32"]' in first
    assert "**new environment** `staging`: 5 stacks" in first
    summary = lines.index("## Summary")
    assert lines[summary + 2].startswith("- **exposed to the internet** prod / eks"), "ranked above the new environment"
    assert not any(line.startswith("- added ") for line in lines), "a new environment is summarized, not listed"
