"""Every generated file that is committed, and the one command that rewrites them all.

    make regenerate                      # python -m tools.generated: rewrite what is stale
    python -m tools.generated --check    # exit 1 and name each stale file

What is committed, and why (the rest, review.md and cdk.out/, is build output and ignored):
- tests/__snapshots__/templates/<stack>.json: the synthesized templates (every environment's
  and the delivery pipeline's), so a pull request shows the raw change under berth's review
  and the tests hold a second net under the assertions;
- COMPLIANCE.md: every acknowledged finding with its reason, for auditors who read the repo;
- docs/architecture.md: the picture of each environment (GitHub renders its Mermaid);
- docs/configuration.md: every field of an environment file, with its description;
- config/schema/environment.schema.json and pipeline.schema.json: editors validate the
  environment files and config/pipeline.yaml against them;
- config/data/aws.json: the AWS facts config validation reads offline;
- docs/safe-changes.md: what each config change does at deploy time.
Each is a pure function of the code, the config and the pins, so a config-only change is
followed by `make regenerate` and its diff is part of the change. Every test that finds one
stale names this command.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools.assemblies import normalized_template, stack_artifacts

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "make regenerate"
SNAPSHOTS = ROOT / "tests" / "__snapshots__" / "templates"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


@dataclass(frozen=True)
class Generated:
    path: Path
    text: str

    @property
    def name(self) -> str:
        return str(self.path.relative_to(ROOT))

    def current(self) -> str | None:
        return self.path.read_text(encoding="utf-8") if self.path.exists() else None


def _safe_changes(outdirs: dict[str, Path], pipeline: Path) -> Generated:
    from tools.safe_changes import PAGE, current_section, render  # noqa: PLC0415 - cfn-lint's schemas load on use

    text = PAGE.read_text(encoding="utf-8")
    return Generated(PAGE, text.replace(current_section(), render(list(outdirs.values()))))


def _schema(outdirs: dict[str, Path], pipeline: Path) -> Generated:
    from config.schema import SCHEMA_PATH, render_schema  # noqa: PLC0415

    return Generated(SCHEMA_PATH, render_schema())


def _pipeline_schema(outdirs: dict[str, Path], pipeline: Path) -> Generated:
    from config.schema import PIPELINE_SCHEMA_PATH, render_pipeline_schema  # noqa: PLC0415

    return Generated(PIPELINE_SCHEMA_PATH, render_pipeline_schema())


def _aws_data(outdirs: dict[str, Path], pipeline: Path) -> Generated:
    from tools.aws_data import TARGET, build, render  # noqa: PLC0415 - moto is a dev requirement

    return Generated(TARGET, render(build()))


def _compliance(outdirs: dict[str, Path], pipeline: Path) -> Generated:
    from tools.compliance import REPORT_PATH, render  # noqa: PLC0415

    return Generated(REPORT_PATH, render(outdirs, pipeline=pipeline))


def _architecture(outdirs: dict[str, Path], pipeline: Path) -> Generated:
    from tools.diagram import render  # noqa: PLC0415

    return Generated(ARCHITECTURE, render(outdirs))


def _configuration(outdirs: dict[str, Path], pipeline: Path) -> Generated:
    import json  # noqa: PLC0415

    from config.schema import render_schema  # noqa: PLC0415
    from tools.config_reference import REFERENCE, render  # noqa: PLC0415

    return Generated(REFERENCE, render(json.loads(render_schema())))


def snapshots(outdirs: dict[str, Path]) -> list[Generated]:
    out = []
    for outdir in outdirs.values():
        for stack, artifact in stack_artifacts(outdir).items():
            template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text(encoding="utf-8"))
            out.append(Generated(SNAPSHOTS / f"{stack}.json", normalized_template(template)))
    return out


GENERATORS: tuple[Callable[[dict[str, Path], Path], Generated], ...] = (
    _schema,
    _pipeline_schema,
    _aws_data,
    _compliance,
    _architecture,
    _configuration,
    _safe_changes,
)
FROM_PIPELINE = (_compliance,)


def expected(outdirs: dict[str, Path], pipeline: Path | None) -> list[Generated]:
    """Every committed generated file as the code, config and pins make it, from every
    environment's assembly (`outdirs`: environment -> its cdk.out) and the pipeline's.

    Without the pipeline's assembly (`make review`, which synthesizes environments only), the
    files made from it (COMPLIANCE.md, the pipeline's snapshots) are left out: `make test` checks them.
    """
    if pipeline is None:
        return [*(make(outdirs, Path()) for make in GENERATORS if make not in FROM_PIPELINE), *snapshots(outdirs)]
    return [*(make(outdirs, pipeline) for make in GENERATORS), *snapshots(outdirs), *snapshots({"pipeline": pipeline})]


def _orphans(files: list[Generated]) -> list[Path]:
    """Snapshots of stacks no environment (nor the pipeline) synthesizes any more."""
    wanted = {f.path for f in files}
    return sorted(p for p in SNAPSHOTS.glob("*.json") if p not in wanted)


def stale(outdirs: dict[str, Path], pipeline: Path | None, *, diff_lines: int = 0) -> list[str]:
    """One line per stale file (with the first `diff_lines` lines of its diff); empty when current."""
    found = []
    files = expected(outdirs, pipeline)
    for item in files:
        current = item.current()
        if current == item.text:
            continue
        found.append(f"{item.name}: {'missing' if current is None else 'differs from what the code generates'}")
        if diff_lines and current is not None:
            diff = difflib.unified_diff(current.splitlines(), item.text.splitlines(), "committed", "generated", lineterm="", n=1)
            found += [f"    {line}" for line in list(diff)[:diff_lines]]
    if pipeline is not None:  # without it, the pipeline's own snapshots would look orphaned
        found += [f"{p.relative_to(ROOT)}: no environment synthesizes this stack any more" for p in _orphans(files)]
    return found


def stale_message(lines: list[str]) -> str:
    return "generated files are stale; run `" + COMMAND + "` and commit the result:\n" + "\n".join(lines)


def regenerate(outdirs: dict[str, Path], pipeline: Path) -> list[str]:
    """Rewrite every stale generated file; the names of those written or removed."""
    written = []
    files = expected(outdirs, pipeline)
    for item in files:
        if item.current() != item.text:
            item.path.parent.mkdir(parents=True, exist_ok=True)
            item.path.write_text(item.text, encoding="utf-8")
            written.append(item.name)
    for orphan in _orphans(files):
        orphan.unlink()
        written.append(f"{orphan.relative_to(ROOT)} (removed)")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite (or check) every committed generated file.")
    parser.add_argument("--check", action="store_true", help="only check: exit 1 naming each stale file")
    args = parser.parse_args(argv)
    from tools.assemblies import synthesize_all, synthesize_pipeline_assembly  # noqa: PLC0415 - jsii starts here

    with tempfile.TemporaryDirectory() as tmp:
        outdirs = synthesize_all(Path(tmp))
        pipeline = synthesize_pipeline_assembly(Path(tmp) / "pipeline-assembly")
        if args.check:
            lines = stale(outdirs, pipeline)
            if lines:
                sys.stderr.write(stale_message(lines) + "\n")
                return 1
            sys.stdout.write("every generated file is current\n")
            return 0
        written = regenerate(outdirs, pipeline)
    sys.stdout.write("".join(f"wrote {name}\n" for name in written) or "every generated file was already current\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
