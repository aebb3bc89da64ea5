"""Where `make synth` goes, and the least it could take: `make bench-breakdown`.

Runs `python -O app.py` on one environment (as cdk.json's `app` does) and the benchmark's floor
app (`bench.py`'s scenario 1) with jsii's Node process under V8's sampling profiler
(`--cpu-prof`), classifies every sample of that process, and times the CLI alone on each
assembly (`cdk synth --app <assembly dir>`: the CLI's own start-up and assembly reading, no
app). Prints the medians of N runs:

- the Node process's time, by what it was doing: waiting for Python (jsii is synchronous,
  so this is the Python side's work: berth's code, jsii's Python runtime, the aws-cdk-lib
  modules' import), compiling JavaScript, the rest of loading modules, aws-cdk-lib building
  constructs, aws-cdk-lib synthesizing (resolving, writing), cdk-nag's packs, jsii's kernel
  (marshalling requests), garbage collection;
- the Python process's time before jsii's Node starts (the interpreter, the config).

From these, a lower bound for `make synth`: the CLI alone on berth's assembly, plus the floor
app's Python work (berth imports a superset of it), plus the Node process's busy time for
berth's environment, scaled down by the profiler's own slowdown. No Python-side change can
take `make synth` under it: only less work in Node (aws-cdk-lib, cdk-nag, jsii's kernel) can.

    python benchmarks/breakdown.py [--env dev] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

# The same pinned tools, floor app and context as `make bench` (run as a script, this folder is on the path).
from bench import CDK, NODE, PYTHON, ROOT, floor_app, project_context_json

WAITING = "waiting for Python (the Python side's work)"
CATEGORIES = (
    WAITING,
    "compiling JavaScript",
    "loading modules (resolve, read, top-level code)",
    "cdk-nag's packs",
    "aws-cdk-lib synthesizing (resolve, write)",
    "aws-cdk-lib building constructs",
    "jsii kernel (marshalling requests)",
    "garbage collection",
)
_COMPILE = {"wrapSafe", "compileFunctionForCJSLoader"}
_LOAD = {"wrapModuleLoad", "Module._load"}


def classify(frames: list[tuple[str, str]]) -> str:
    """The category of one sample from its stack, leaf first: (function name, script URL).

    The first that holds, in this order: compiling wins over the module load around it, and
    cdk-nag over the aws-cdk-lib synthesis it runs inside.
    """
    leaf, leaf_url = frames[0] if frames else ("", "")
    names = {name for name, _ in frames}
    urls = [url for _, url in frames]
    synthesizing = any(
        name == "synth" and url.endswith(("aws-cdk-lib/core/lib/app.js", "aws-cdk-lib/core/lib/stage.js")) for name, url in frames
    )
    found = (
        # the kernel blocks in a synchronous read of the next request: Python is working
        (WAITING, leaf in ("(idle)", "(program)") or (leaf == "read" and not leaf_url)),
        (CATEGORIES[7], leaf == "(garbage collector)"),
        (CATEGORIES[1], bool(names & _COMPILE)),
        (CATEGORIES[2], bool(names & _LOAD)),
        (CATEGORIES[3], any("/cdk-nag/" in url for url in urls)),
        (CATEGORIES[4], synthesizing),
        (CATEGORIES[5], any("/aws-cdk-lib/" in url or "/constructs/" in url for url in urls)),
    )
    return next((category for category, holds in found if holds), CATEGORIES[6])


def profile_seconds(profile: dict[str, Any]) -> Counter[str]:
    """Seconds by category of one `.cpuprofile` (V8's format: a call tree and timed samples)."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    parent = {child: node["id"] for node in profile["nodes"] for child in node.get("children", ())}
    stacks: dict[int, str] = {}
    found: Counter[str] = Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        if sample not in stacks:
            frames, current = [], sample
            while current is not None:
                frame = nodes[current]["callFrame"]
                frames.append((frame["functionName"], frame["url"]))
                current = parent.get(current)
            stacks[sample] = classify(frames)
        found[stacks[sample]] += delta / 1e6
    return found


def _kernel_profile(directory: Path) -> dict[str, Any]:
    """jsii's kernel (lib/program.js): its runtime wrapper is a second, idle, Node process."""
    profiles = [json.loads(path.read_text()) for path in directory.glob("*.cpuprofile")]
    kernel = [p for p in profiles if any(n["callFrame"]["url"].endswith("lib/program.js") for n in p["nodes"])]
    return max(kernel or profiles, key=lambda p: len(p["samples"]))


def _run(command: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _app_run(command: list[str], cwd: Path, env: dict[str, str], work: Path) -> tuple[float, float, Counter[str], Path]:
    """Wall time unprofiled, wall time profiled, the kernel's seconds by category, the assembly."""
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    plain = _run(command, cwd=cwd, env={**env, "CDK_OUTDIR": str(out)})
    profiles = work / "profiles"
    shutil.rmtree(profiles, ignore_errors=True)
    profiled_env = {**env, "CDK_OUTDIR": str(out), "NODE_OPTIONS": f"--cpu-prof --cpu-prof-dir={profiles}"}
    profiled = _run(command, cwd=cwd, env=profiled_env)
    deadline = time.monotonic() + 10  # app.py leaves with os._exit: Node writes its profile as it exits, just after
    while time.monotonic() < deadline and len(list(profiles.glob("*.cpuprofile"))) < 2:
        time.sleep(0.05)
    return plain, profiled, profile_seconds(_kernel_profile(profiles)), out


def _cli_alone(assembly: Path, work: Path, env: dict[str, str]) -> float:
    return _run([str(NODE), str(CDK), "synth", "--app", str(assembly), "--quiet", "--output", str(work / "cli-out")], cwd=work, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="dev")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "JSII_NODE": str(NODE), "CDK_DISABLE_CLI_TELEMETRY": "true"}
    env.pop("NODE_OPTIONS", None)
    rows: dict[str, list[Any]] = {"berth": [], "floor": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        floor = floor_app(work)
        context = json.dumps({**json.loads(project_context_json()), "env": args.env})
        for _ in range(args.runs):
            berth = _app_run([str(PYTHON), "-O", "app.py"], ROOT, {**env, "CDK_CONTEXT_JSON": context}, work / "berth")
            rows["berth"].append((*berth[:3], _cli_alone(berth[3], work, env)))
            empty = _app_run([str(PYTHON), "app.py"], floor, env, work / "floor")
            rows["floor"].append((*empty[:3], _cli_alone(empty[3], work, env)))
            sys.stderr.write("run done\n")
    report: dict[str, dict[str, float]] = {}
    for name, samples in rows.items():
        seconds = {c: statistics.median(s[2][c] for s in samples) for c in CATEGORIES}
        busy = sum(v for c, v in seconds.items() if c != WAITING)
        report[name] = {
            "app wall s (unprofiled)": statistics.median(s[0] for s in samples),
            "app wall s (profiled)": statistics.median(s[1] for s in samples),
            "Python before jsii's Node starts s": statistics.median(s[1] - sum(s[2].values()) for s in samples),
            **{f"Node: {c} s": v for c, v in seconds.items()},
            "Node busy s": busy,
            "CLI alone on the assembly s": statistics.median(s[3] for s in samples),
        }
    berth, floor = report["berth"], report["floor"]
    slowdown = berth["app wall s (profiled)"] / berth["app wall s (unprofiled)"]
    floor_python = floor["Python before jsii's Node starts s"] + floor[f"Node: {WAITING} s"]
    floor_total = floor["CLI alone on the assembly s"] + floor["app wall s (unprofiled)"]
    bound = berth["CLI alone on the assembly s"] + floor_python + berth["Node busy s"] / slowdown
    compile_s = berth["Node: compiling JavaScript s"] / slowdown
    print(f"{'':58} {'berth ' + args.env:>12} {'floor':>8}")
    for key in berth:
        print(f"{key:58} {berth[key]:>12.3f} {floor[key]:>8.3f}")
    print(f"floor through the CLI (CLI alone + app): {floor_total:.2f} s; 2.0x of it: {2 * floor_total:.2f} s")
    print(f"lower bound for make synth ({args.env}): {bound:.2f} s = {bound / floor_total:.2f}x the floor")
    print(f"  the same with no JavaScript compiled at all: {bound - compile_s:.2f} s = {(bound - compile_s) / floor_total:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
