"""Resources named as the config names them: `dev / ecs / services[web] / security group`.

A template knows its resources only by logical id (`WebServiceSecurityGroupE736A6BB`). The
assembly knows more: each stack's metadata file maps construct paths to logical ids
(`aws:cdk:logicalId`), and berth records on each top-level construct the config field it
comes from (`berth:config`, see stacks/config_paths.py). A readable name is the environment,
the stack's role, that config field, then the rest of the construct path in words.
Assemblies written before the config metadata existed fall back to the path in words.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from stacks.config_paths import CONFIG_METADATA  # no CDK import: config models and names only

# Construct ids that say nothing to a reader, and the singleton aws-cdk-lib gives
# AwsCustomResource's function (a fixed id with a UUID in it).
_SILENT = {"Resource", "Default"}
_KNOWN = {"AWS679f53fac002430cb0da5b7982bd2287": "aws-cdk-lib custom-resource function"}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+[a-z]*")


def words(construct_id: str) -> str:
    """`SecurityGroup` -> "security group", `Ec2Capacity` -> "ec2 capacity"; ids with spaces
    or punctuation (aws-cdk-lib's generated rule names) stay as they are."""
    if construct_id in _KNOWN:
        return _KNOWN[construct_id]
    if not construct_id.isalnum():
        return construct_id
    found = _WORD.findall(construct_id)
    joined = " ".join(w.lower() for w in found)
    return re.sub(r"\b([a-z]{1,3}) (\d+)\b", r"\1\2", joined) or construct_id


def stack_role(stack: str) -> tuple[str, str]:
    """ "berth-dev-ecs" -> ("dev", "ecs"); any other name -> ("", name)."""
    match = re.fullmatch(r"berth-(.+)-(network|ecs|eks)", stack)
    return (match.group(1), match.group(2)) if match else ("", stack)


@cache
def _metadata(metadata_file: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(logical id -> construct path, construct path -> config field) of one stack."""
    if not metadata_file.exists():
        return {}, {}
    metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
    paths, fields = {}, {}
    for path, entries in metadata.items():
        for entry in entries:
            if entry.get("type") == "aws:cdk:logicalId" and isinstance(entry.get("data"), str):
                paths[entry["data"]] = path
            elif entry.get("type") == CONFIG_METADATA:
                fields[path] = entry["data"]
    return paths, fields


def readable(path: str, fields: dict[str, str], env: str, role: str) -> str:
    """A construct path in the config's words (`fields`: config field by construct path)."""
    parts = path.strip("/").split("/")[1:]  # below the stack
    head: list[str] = []
    for depth in range(len(parts), 0, -1):
        field = fields.get("/" + "/".join([path.strip("/").split("/")[0], *parts[:depth]]))
        if field:
            head, parts = ([] if field == role else [field.removeprefix(f"{role}.")]), parts[depth:]
            break
    rest: list[str] = []
    for part in parts:
        if part in _SILENT:
            continue
        said = words(part)
        if not rest or rest[-1] != said:
            rest.append(said)
    return " / ".join(p for p in (env, role, *head, *rest) if p)


def path_name(outdir: Path, stack: str, path: str) -> str:
    """A construct path of `stack` (as the assembly records it) in the config's words."""
    _, fields = _metadata(outdir / f"{stack}.metadata.json")
    env, role = stack_role(stack)
    return readable(path, fields, env, role)


def resource_name(outdir: Path | None, stack: str, logical_id: str) -> str:
    """`dev / ecs / services[web] / security group` for a logical id of `stack` in the assembly
    at `outdir`; the logical id itself when the assembly does not know it."""
    if outdir is None:
        return logical_id
    paths, _ = _metadata(outdir / f"{stack}.metadata.json")
    return path_name(outdir, stack, paths[logical_id]) if logical_id in paths else logical_id


def labelled(outdir: Path | None, stack: str, logical_id: str) -> str:
    """The readable name with the logical id after it, as the review prints a resource."""
    name = resource_name(outdir, stack, logical_id)
    return f"`{logical_id}`" if name == logical_id else f"`{name}` (`{logical_id}`)"
