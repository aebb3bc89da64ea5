"""AWS's own rules on berth's templates: AWS Control Tower's proactive controls, in cfn-guard.

cdklabs' `cdk-validator-cfnguard` bundles the cfn-guard binary and Control Tower's
proactive-control rules as a CDK validation plugin, the same Validations API the cdk-nag
packs use: its findings are acknowledged on the resource like theirs (`acknowledge_guard`),
land in COMPLIANCE.md and in the review's compliance section. It costs about 6.5 s per
synth of an environment (measured 2026-11-30: 1.2 s -> 7.6-8.2 s for dev's `app.synth()`),
so it runs in the tests (the session's one synth of each environment adds it; a finding
without an acknowledgment fails that synth, as a nag error does) and here, not on every
`make synth`. The AWS Guard Rules Registry's sets are not bundled and cannot be fetched
offline; the Control Tower rules are the ones that ship with the plugin.

    make guard ENV=dev     # python -m tools.guard --env dev: exit 1 on an unacknowledged finding
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

PLUGIN = "cdk-validator-cfnguard"


def add_guard(app: Any) -> None:
    """Register the plugin on `app` (an aws_cdk.App), beside berth's checks."""
    from aws_cdk import Validations  # noqa: PLC0415 - jsii starts only when this runs
    from cdklabs.cdk_validator_cfnguard import CfnGuardValidator  # noqa: PLC0415

    Validations.of(app).add_plugins(CfnGuardValidator(control_tower_rules_enabled=True))


def synthesize_with_guard(env: str, outdir: Path) -> dict[str, Any]:
    """Synthesize `env` with the guard plugin beside berth's checks; the plugin's report."""
    from config import load_config  # noqa: PLC0415
    from stacks.context import project_context  # noqa: PLC0415
    from stacks.platform import build_app  # noqa: PLC0415

    app = build_app(load_config(env), outdir=str(outdir), context=project_context())
    add_guard(app)
    try:
        app.synth()
    except RuntimeError as exc:  # the plugin's findings fail synth; the report says which
        if "ValidationFailed" not in str(exc):
            raise
    return report(outdir)


def report(outdir: Path) -> dict[str, Any]:
    data = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    return next(r for r in data["pluginReports"] if r["pluginName"] == PLUGIN)


def unacknowledged(guard_report: dict[str, Any]) -> list[str]:
    """One line per rule and resource that no acknowledgment covers."""
    return [
        f"{v['ruleName']} on {c['constructPath']}: {v.get('description', '').splitlines()[0] if v.get('description') else ''}"
        for v in guard_report.get("violations", [])
        for c in v.get("violatingConstructs", [])
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="AWS Control Tower's proactive controls (cfn-guard) on one environment.")
    parser.add_argument("--env", default="dev")
    parser.add_argument("--outdir", default=None, help="keep the assembly and its report here (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        outdir = Path(args.outdir or tmp)
        lines = unacknowledged(synthesize_with_guard(args.env, outdir))
    for line in lines:
        sys.stderr.write(f"{line}\n")
    sys.stdout.write(f"{args.env}: {len(lines)} unacknowledged cfn-guard finding(s)\n")
    return 1 if lines else 0


if __name__ == "__main__":
    raise SystemExit(main())
