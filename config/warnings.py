"""Legal but suspicious choices: printed at synth, never errors, each with a code to accept it.

These are the slips of a file copied from another environment (a cluster name or tag that
still says dev, the other account's ARNs, the same VPC range) and of a reference to another
region or account that may be deliberate (a cross-account admin role). An environment that
means it lists the code under `accept_warnings`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any, get_args

import yaml

from config.models import PlatformConfig, WarningCode

_ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")
_TOKEN = re.compile(r"[a-z0-9]+")

WARNING_CODES: tuple[str, ...] = get_args(WarningCode)


@dataclass(frozen=True)
class ConfigWarning:
    code: str
    field: str
    message: str

    def render(self) -> str:
        return f"{self.field}: {self.message} [accept with accept_warnings: [{self.code}]]"


def _strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, value) for every string in the dumped config, list items by name."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for i, item in enumerate(data):
            name = item.get("name") if isinstance(item, dict) else None
            yield from _strings(item, f"{path}[{name if isinstance(name, str) else i}]")
    elif isinstance(data, str):
        yield path, data


def _arn_parts(value: str) -> tuple[str, str] | None:
    """(region, account) of an ARN or an ECR image repository, where they are given."""
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        return (parts[3], parts[4]) if len(parts) > 4 else None
    match = _ECR_HOST.match(value)
    return (match["region"], match["account"]) if match else None


def _foreign_references(config: PlatformConfig, data: dict[str, Any]) -> list[ConfigWarning]:
    found = []
    for field, value in _strings(data):
        parts = _arn_parts(value)
        if parts is None:
            continue
        region, account = parts
        if account and account not in (config.account, "aws"):
            found.append(ConfigWarning("other-account", field, f"refers to account {account}; this environment is {config.account}"))
        if region and region != config.region:
            found.append(ConfigWarning("other-region", field, f"refers to region {region}; this environment is in {config.region}"))
    return found


def _other_environments(config: PlatformConfig, directory: Path) -> dict[str, dict[str, Any]]:
    """The raw data of the other environment files beside this one (read, not validated)."""
    others = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.stem == config.name:
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict):
            others[path.stem] = data
    return others


def _overlaps(config: PlatformConfig, others: dict[str, dict[str, Any]]) -> list[ConfigWarning]:
    found = []
    for name, data in others.items():
        try:
            cidr = IPv4Network(str(data["network"]["cidr"]))
        except (KeyError, TypeError, ValueError):
            continue
        if cidr.overlaps(config.network.cidr):
            message = f"{config.network.cidr} overlaps environment {name}'s {cidr}: the VPCs cannot be peered or routed to each other"
            found.append(ConfigWarning("overlapping-cidr", "network.cidr", message))
    return found


def _other_names(config: PlatformConfig, data: dict[str, Any], others: dict[str, dict[str, Any]]) -> list[ConfigWarning]:
    names = set(others) - {config.name}
    found = []
    for field, value in _strings(data):
        mentioned = sorted(names & set(_TOKEN.findall(value.lower())))
        if mentioned:
            message = f"{value!r} names environment {', '.join(mentioned)}; this file is {config.name} (copied from another environment?)"
            found.append(ConfigWarning("other-environment-name", field, message))
    return found


def _spot_single_type(config: PlatformConfig) -> list[ConfigWarning]:
    if config.eks is None:
        return []
    message = "Spot with a single instance type is interrupted more often and may find no capacity; list several"
    return [
        ConfigWarning("spot-single-type", f"eks.node_groups[{g.name}]", message)
        for g in config.eks.node_groups
        if g.capacity_type == "SPOT" and len(g.instance_types) == 1
    ]


def config_warnings(config: PlatformConfig, environments: Path) -> list[str]:
    """Every warning for `config` that it does not accept, rendered. `environments` holds
    the environment files it is compared with."""
    data = config.model_dump(mode="json", exclude={"accept_warnings"})
    others = _other_environments(config, environments)
    found = [
        *_foreign_references(config, data),
        *_overlaps(config, others),
        *_other_names(config, data, others),
        *_spot_single_type(config),
    ]
    return [w.render() for w in found if w.code not in config.accept_warnings]
