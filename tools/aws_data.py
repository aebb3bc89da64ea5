"""Regenerate config/data/aws.json: the AWS facts config validation checks against.

Offline, from two well-kept packages pinned in requirements-dev.txt, never from a guess:
- regions and their partitions: botocore's `data/endpoints.json` (the SDK's own list);
- EC2 instance types (vCPUs, memory, architecture, accelerators) and the availability-zone
  letters seen per region: moto's `ec2/resources` data, recorded by moto's maintainers from
  EC2's DescribeInstanceTypes and DescribeInstanceTypeOfferings.
AZ names map to zones differently in every account; config refuses only letters that no
region has, and `make preflight` checks the account's own list.

`make regenerate` rewrites it with every other generated file (tools/generated.py).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "config" / "data" / "aws.json"


def _package_file(package: str, *parts: str) -> Path:
    dist = importlib.metadata.distribution(package)
    return Path(str(dist.locate_file(Path(package, *parts))))


def _gzip_json(path: Path) -> Any:
    with gzip.open(path) as handle:
        return json.loads(handle.read())


def regions() -> dict[str, str]:
    """Region name -> partition, from botocore."""
    endpoints = json.loads(_package_file("botocore", "data", "endpoints.json").read_text(encoding="utf-8"))
    return {region: p["partition"] for p in endpoints["partitions"] for region in p["regions"]}


def _accelerators(info: dict[str, Any]) -> tuple[str | None, int]:
    """(kind, how many devices): a task's GPU requirement and a pod's device-plugin resource count devices."""
    gpus = info.get("GpuInfo", {}).get("Gpus", [])
    if gpus:
        return str(gpus[0]["Manufacturer"]).lower(), sum(int(g["Count"]) for g in gpus)  # nvidia, amd, habana, ...
    neuron = info.get("NeuronInfo", {}).get("NeuronDevices", []) or info.get("InferenceAcceleratorInfo", {}).get("Accelerators", [])
    if neuron:
        return "neuron", sum(int(d["Count"]) for d in neuron)  # Inferentia and Trainium
    fpgas = info.get("FpgaInfo", {}).get("Fpgas", [])
    if fpgas:
        return "fpga", sum(int(f.get("Count", 1)) for f in fpgas)
    return None, 0


def instance_types() -> dict[str, list[Any]]:
    """Type -> [vCPUs, memory MiB, architecture, accelerator kind or null, accelerator count]; Mac types left out
    (neither ECS nor EKS run on them)."""
    data = _gzip_json(_package_file("moto", "ec2", "resources", "instance_types.json.gz"))
    out: dict[str, list[Any]] = {}
    for name, info in sorted(data.items()):
        archs = info["ProcessorInfo"]["SupportedArchitectures"]
        arch = "arm64" if "arm64" in archs else "x86_64" if "x86_64" in archs else None
        if arch is None:
            continue
        out[name] = [info["VCpuInfo"]["DefaultVCpus"], info["MemoryInfo"]["SizeInMiB"], arch, *_accelerators(info)]
    return out


def zone_letters() -> dict[str, str]:
    """Region -> the availability-zone letters moto's offering data has for it."""
    letters: dict[str, set[str]] = defaultdict(set)
    for path in sorted(_package_file("moto", "ec2", "resources", "instance_type_offerings", "availability-zone").glob("*.json.gz")):
        region = path.name.removesuffix(".json.gz")
        for offering in _gzip_json(path):
            letters[region].add(offering["Location"].removeprefix(region))
    return {region: "".join(sorted(found)) for region, found in sorted(letters.items())}


def build() -> dict[str, Any]:
    versions = {p: importlib.metadata.version(p) for p in ("botocore", "moto")}
    return {
        "source": (
            f"regions: botocore {versions['botocore']} data/endpoints.json; instance types and zone letters: moto "
            f"{versions['moto']} ec2/resources (recorded from EC2 DescribeInstanceTypes / DescribeInstanceTypeOfferings). "
            "Regenerate with `make regenerate`."
        ),
        "regions": regions(),
        "zone_letters": zone_letters(),
        "instance_types": instance_types(),
    }


def render(data: dict[str, Any]) -> str:
    # One instance type a line: the file stays reviewable and its diffs small.
    head = {k: v for k, v in data.items() if k != "instance_types"}
    text = json.dumps(head, indent=1, sort_keys=True)[:-2]
    rows = ",\n".join(f"  {json.dumps(name)}: {json.dumps(row)}" for name, row in data["instance_types"].items())
    return f'{text},\n "instance_types": {{\n{rows}\n }}\n}}\n'
