"""benchmarks/breakdown.py's classification of jsii's Node samples (the lower bound rests on it)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "file:///tmp/jsii/lib/program.js"
LIB = "file:///tmp/jsii-kernel-x/node_modules/aws-cdk-lib"


@pytest.fixture(scope="module")
def breakdown() -> ModuleType:
    if str(ROOT / "benchmarks") not in sys.path:  # as when it runs as a script: it imports bench
        sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("breakdown", ROOT / "benchmarks" / "breakdown.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _profile(paths: list[tuple[list[tuple[str, str]], int]]) -> dict[str, Any]:
    """A V8 .cpuprofile: each path (root first) sampled for the given microseconds."""
    nodes: list[dict[str, Any]] = [{"id": 1, "callFrame": {"functionName": "(root)", "url": ""}, "children": []}]
    samples, deltas = [], []
    for frames, micros in paths:
        parent = nodes[0]
        for name, url in frames:
            child = next((n for n in nodes if n["id"] in parent["children"] and n["callFrame"] == {"functionName": name, "url": url}), None)
            if child is None:
                child = {"id": len(nodes) + 1, "callFrame": {"functionName": name, "url": url}, "children": []}
                nodes.append(child)
                parent["children"].append(child["id"])
            parent = child
        samples.append(parent["id"])
        deltas.append(micros)
    return {"nodes": nodes, "samples": samples, "timeDeltas": deltas}


def test_each_sample_lands_in_the_category_of_what_node_was_doing(breakdown: ModuleType) -> None:
    request = [("run", KERNEL), ("processRequest", KERNEL)]
    load = [*request, ("require", "node:internal/modules/helpers"), ("wrapModuleLoad", "node:internal")]
    nag = ("validate", "file:///x/node_modules/cdk-nag/lib/nag-pack.js")
    synth = [*request, ("synth", f"{LIB}/core/lib/app.js"), ("synthesize", f"{LIB}/core/lib/private/synthesis.js")]
    profile = _profile(
        [
            ([("run", KERNEL), ("readSync", "node:fs"), ("read", "")], 1_000_000),  # blocked on the next request
            ([*load, ("wrapSafe", "node:internal")], 400_000),
            ([*load, ("stat", "node:internal")], 300_000),
            ([*synth, nag, ("resolve", f"{LIB}/core/lib/private/resolve.js")], 200_000),
            ([*synth, ("resolve", f"{LIB}/core/lib/private/resolve.js")], 150_000),
            ([*request, ("Vpc2", f"{LIB}/aws-ec2/lib/vpc.js")], 120_000),
            ([*request, ("deserialize", KERNEL)], 90_000),
            ([("(garbage collector)", "")], 30_000),
            ([("(idle)", "")], 10_000),
        ]
    )
    seconds = breakdown.profile_seconds(profile)
    categories = breakdown.CATEGORIES
    assert seconds[breakdown.WAITING] == pytest.approx(1.01)
    assert seconds[categories[1]] == pytest.approx(0.4)  # compiling, though under a module load
    assert seconds[categories[2]] == pytest.approx(0.3)
    assert seconds[categories[3]] == pytest.approx(0.2)  # cdk-nag, though inside aws-cdk-lib's synth
    assert seconds[categories[4]] == pytest.approx(0.15)
    assert seconds[categories[5]] == pytest.approx(0.12)
    assert seconds[categories[6]] == pytest.approx(0.09)
    assert seconds[categories[7]] == pytest.approx(0.03)
    assert sum(seconds.values()) == pytest.approx(2.3)
