"""The per-environment image file, config/images/<env>.yaml: the one file CI writes.

An image-only release changes a tag or a digest, nothing else; writing it into the
hand-edited environment file would mix machine and human edits (and their review). The
image file holds one line per container whose image a release moved, by workload name (or
workload/sidecar, workload/log-router), and overrides that container's `tag` or `digest` when the environment
loads:

    web: {digest: "sha256:4f3c..."}
    web/otel: {tag: "0.116.0"}

`make set-image ENV=dev IMAGE=web DIGEST=sha256:...` writes a line (tools/images.py); the
review then shows the change as image-only. A name the environment does not have, a built
image (tagged by its content), or a value that is not one tag or one digest is refused,
naming the image file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from config import patterns
from config.errors import Problem

IMAGES_DIR = Path(__file__).resolve().parent / "images"


def repository_name(environment: str, name: str) -> str:
    """The one naming rule for the ECR repositories berth creates: berth/<env>/<name>."""
    return f"berth/{environment}/{name}"


def image_file(env: str, directory: Path | None = None) -> Path:
    return (directory or IMAGES_DIR) / f"{env}.yaml"


def _containers(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each container's image mapping in the raw environment data, by workload[/sidecar] name."""
    found: dict[str, dict[str, Any]] = {}
    ecs = data.get("ecs") if isinstance(data.get("ecs"), dict) else {}
    for kind in ("services", "scheduled_tasks"):
        for workload in ecs.get(kind) or []:
            if not isinstance(workload, dict) or not isinstance(workload.get("task"), dict):
                continue
            task = workload["task"]
            container = task.get("container") if isinstance(task.get("container"), dict) else {}
            if isinstance(container.get("image"), dict):
                found[str(workload.get("name"))] = container["image"]
            for sidecar in task.get("sidecars") or []:
                if isinstance(sidecar, dict) and isinstance(sidecar.get("image"), dict):
                    found[f"{workload.get('name')}/{sidecar.get('name')}"] = sidecar["image"]
            router = task.get("log_router")
            if isinstance(router, dict) and isinstance(router.get("image"), dict):
                found[f"{workload.get('name')}/log-router"] = router["image"]
    return found


def apply_image_file(data: dict[str, Any], path: Path) -> list[Problem]:
    """Override the images `path` names in `data` (in place); the problems, if any, change nothing."""
    try:
        overrides = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [Problem("", f"cannot read the image file: {exc}")]
    if not isinstance(overrides, dict):
        return [Problem("", "the image file must map container names to {tag: ...} or {digest: ...}")]
    containers = _containers(data)
    problems: list[Problem] = []
    updates: list[tuple[dict[str, Any], dict[str, str]]] = []
    for name, value in overrides.items():
        image = containers.get(str(name))
        if image is None:
            known = ", ".join(sorted(containers)) or "none"
            problems.append(Problem(str(name), f"no container of that name in the environment (its containers: {known})"))
            continue
        if "build" in image:
            problems.append(Problem(str(name), "a built image is tagged by its content hash: it takes no tag or digest"))
            continue
        if not isinstance(value, dict) or len(value) != 1 or not set(value) <= {"tag", "digest"}:
            problems.append(Problem(str(name), "give exactly one of {tag: ...} or {digest: ...}", value, True))
            continue
        ((field, reference),) = value.items()
        pattern = patterns.IMAGE_TAG if field == "tag" else patterns.IMAGE_DIGEST
        if not isinstance(reference, str) or not re.fullmatch(pattern, reference):
            problems.append(Problem(f"{name}.{field}", f"expected {patterns.PATTERN_WORDS[pattern]}", reference, True))
            continue
        updates.append((image, {field: reference}))
    if problems:
        return problems
    for image, reference in updates:
        image.pop("tag", None)
        image.pop("digest", None)
        image.update(reference)
    return []


def set_image(path: Path, name: str, *, tag: str | None = None, digest: str | None = None) -> str:
    """`path`'s text with `name` set to the tag or digest (the other entries kept, sorted)."""
    current = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    entries = dict(current) if isinstance(current, dict) else {}
    entries[name] = {"digest": digest} if digest else {"tag": tag}
    header = "# Written by `make set-image` (CI): the images a release moved. Hand-edit the environment file, not this one.\n"
    body = "".join(f'{key}: {{{field}: "{value}"}}\n' for key, v in sorted(entries.items()) for field, value in v.items())
    return header + body
