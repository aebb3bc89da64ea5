"""Configs for tests, made by changing a shipped environment's file and validating the result.

    environment("prod", {"eks.endpoint": {"public_access": True, "public_access_cidrs": ["198.51.100.7/32"]}})
    environment("dev", {"ecs.services[web].task.container.image.tag": "2.0.0", "account": "999999999999"})

A key is a dotted path into the YAML; `[name]` picks a list item by its `name`, `[0]` by
position. The result goes through the same validation as a real file, so a test cannot
build a config berth would refuse without meaning to (tests/test_synth_errors.py, which
needs exactly that, builds its own).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import yaml

from config.loader import ENVIRONMENTS_DIR
from config.models import PlatformConfig

_PART = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


def _step(node: Any, part: str, index: str | None) -> tuple[Any, Any]:
    """(container, key) of one path step."""
    if index is None:
        return node, part
    if index.isdigit():
        return node, int(index)
    position = next(i for i, item in enumerate(node) if item.get("name") == index)
    return node, position


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    steps = [(name, None) if name else (None, index) for name, index in _PART.findall(path)]
    node: Any = data
    for i, (name, index) in enumerate(steps):
        last = i == len(steps) - 1
        container, key = _step(node, name, None) if name is not None else _step(node, "", index)
        if last:
            container[key] = value
        else:
            if isinstance(container, dict) and key not in container:
                container[key] = {}
            node = container[key]


def environment(base: str = "dev", changes: dict[str, Any] | None = None) -> PlatformConfig:
    data = yaml.safe_load((ENVIRONMENTS_DIR / f"{base}.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    for path, value in (changes or {}).items():
        _set(data, path, value)
    return PlatformConfig.model_validate(data)
