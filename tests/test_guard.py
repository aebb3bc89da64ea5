"""AWS Control Tower's proactive controls (cfn-guard, through cdklabs' validation plugin) on
every environment: no finding without an acknowledgment, and no acknowledgment that covers
nothing. The session's synth of each environment runs the plugin (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.assembly import Assembly
from tests.conftest import ENVIRONMENTS
from tools.guard import PLUGIN, report, unacknowledged


@pytest.fixture(scope="module")
def guard_reports(assemblies: dict[str, Assembly]) -> dict[str, dict]:
    return {env: report(a.outdir) for env, a in assemblies.items()}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_control_tower_finding_is_left_unacknowledged(guard_reports: dict[str, dict], env: str) -> None:
    assert unacknowledged(guard_reports[env]) == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_guard_acknowledgment_covers_a_finding(guard_reports: dict[str, dict], assemblies: dict[str, Assembly], env: str) -> None:
    used = {(s["acknowledgedId"], s["acknowledgedAt"]) for s in guard_reports[env].get("suppressedViolations", [])}
    made = {(a["id"], a["path"].lstrip("/")) for a in assemblies[env].acknowledgments() if a["id"].startswith(f"{PLUGIN}::")}
    assert made, "the environment acknowledges some guard findings"
    assert made - used == set(), "acknowledged, but nothing to acknowledge"
