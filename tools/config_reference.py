"""docs/configuration.md: every field of an environment file, from the JSON Schema.

Each field gets its path, type, default, what values are allowed (in words, never a regular
expression), its description (the field's docstring in config/, or its section's), and an
example from config/example.yaml (a valid environment that is never deployed: a change to
a real environment does not touch this page). `make regenerate`
rewrites the page; a test fails while it is stale or while a field has no description.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config.patterns import PATTERN_WORDS

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "configuration.md"
EXAMPLE = ROOT / "config" / "example.yaml"


@dataclass(frozen=True)
class FieldDoc:
    path: str  # ecs.services[].task.cpu
    kind: str
    required: bool
    default: str
    allowed: str
    description: str
    example: str


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    return defs[node["$ref"].split("/")[-1]] if "$ref" in node else node


def _kind(node: dict[str, Any], defs: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str]:
    """(type in words, the model it holds if any, the suffix its children's paths get)."""
    if "$ref" in node:
        return "section", _resolve(node, defs), ""
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        kind, model, suffix = _kind(options[0], defs) if len(options) == 1 else (" or ".join(o.get("type", "?") for o in options), None, "")
        return f"{kind}, or null", model, suffix
    kind = node.get("type", "")
    if kind == "array":
        items = node.get("items", {})
        inner, model, _ = _kind(items, defs)
        return f"list of {inner}", model, "[]"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        inner, model, _ = _kind(node["additionalProperties"], defs)
        return f"map of name to {inner}", model, ".<name>"
    if "enum" in node:
        return "one of the allowed values", None, ""
    return kind or "any", None, ""


def _allowed(node: dict[str, Any]) -> str:
    options = node.get("anyOf", [node])
    parts: list[str] = []
    for candidate in options:
        option = candidate.get("items", candidate) if candidate.get("type") == "array" else candidate
        if "enum" in option:
            parts.append(", ".join(f"`{json.dumps(v)}`" for v in option["enum"]))
        if "pattern" in option:
            parts.append(PATTERN_WORDS.get(option["pattern"], "see the schema"))
        bounds = [f"{word} {option[key]}" for key, word in (("minimum", "at least"), ("maximum", "at most")) if key in option]
        bounds += [f"{word} {option[key]} items" for key, word in (("minItems", "at least"), ("maxItems", "at most")) if key in option]
        bounds += [
            f"{word} {option[key]} characters" for key, word in (("minLength", "at least"), ("maxLength", "at most")) if key in option
        ]
        parts += bounds
    return "; ".join(p for p in parts if p)


def _examples() -> dict[str, Any]:
    """Field path -> the first value config/example.yaml gives it."""
    found: dict[str, Any] = {}

    def walk(value: Any, path: str) -> None:
        found.setdefault(path, value)
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for item in value:
                walk(item, f"{path}[]")

    walk(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), "")
    return found


def fields(schema: dict[str, Any]) -> Iterator[FieldDoc]:
    defs = schema.get("$defs", {})
    examples = _examples()

    def walk(model: dict[str, Any], prefix: str, example_prefix: str) -> Iterator[FieldDoc]:
        required = set(model.get("required", []))
        for name, node in model.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix else name
            kind, child, suffix = _kind(node, defs)
            description = node.get("description") or (child or {}).get("description", "")
            example_path = f"{example_prefix}.{name}" if example_prefix else name
            example = examples.get(example_path)
            shown = (
                ""
                if example is None or isinstance(example, dict) or (isinstance(example, list) and example and isinstance(example[0], dict))
                else json.dumps(example)
            )
            default = "" if name in required or "default" not in node else json.dumps(node["default"])
            yield FieldDoc(path, kind, name in required, default, _allowed(node), " ".join(description.split()), shown)
            if child is not None:
                child_suffix = "[]" if suffix == "[]" else ".<name>" if suffix else ""
                yield from walk(child, path + child_suffix, example_path + ("[]" if suffix == "[]" else ""))

    yield from walk(schema, "", "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(schema: dict[str, Any]) -> str:
    rows = list(fields(schema))
    lines = [
        "# Configuration reference",
        "",
        "Generated by `make regenerate` from `config/schema/environment.schema.json` (itself generated",
        "from the models in `config/`); do not edit by hand. One file per environment lives in",
        "`config/environments/`; editors validate it against the schema (its first line says where).",
        f"{len(rows)} fields. **required** fields have no default; an example is what",
        "`config/example.yaml` (a valid environment, never deployed) sets.",
        "",
        "| field | type | default | allowed | what it is | example |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in rows:
        default = "**required**" if f.required else f"`{f.default}`" if f.default else ""
        example = f"`{_cell(f.example)}`" if f.example else ""
        lines.append(f"| `{f.path}` | {_cell(f.kind)} | {default} | {_cell(f.allowed)} | {_cell(f.description)} | {example} |")
    return "\n".join(lines) + "\n"
