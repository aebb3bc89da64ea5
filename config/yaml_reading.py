"""YAML whose meaning depends on the parser is refused, not guessed.

PyYAML reads YAML 1.1: a key given twice keeps its last value without a word; `on`, `yes`
and `no` are booleans (text in YAML 1.2 and in most editors' tooling); `1.30` is the number
1.3 and `012` is the octal number 10; `<<` merges mappings, a 1.1-only feature. A file that
means one thing to berth and another to a reviewer's tools is a hazard, so each of these is
a problem, named by its field and line, reported with every other problem of the file.
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from config.errors import Problem

_BOOL = "tag:yaml.org,2002:bool"
_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"
_PLAIN_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _scalar_problem(node: ScalarNode, field: str) -> Problem | None:
    if node.style is not None:  # quoted or block: read as text by every parser
        return None
    text = node.value
    if node.tag == _BOOL and text.lower() not in ("true", "false"):
        return Problem(
            field,
            f"line {_line(node)}: `{text}` is read as {text.lower() in ('yes', 'y', 'on')} here (YAML 1.1) but as text by YAML 1.2 "
            f'tools: write true or false, or quote it ("{text}")',
        )
    if node.tag == _FLOAT:
        try:
            same = repr(float(text)) == text
        except ValueError:
            same = False
        if not same:
            return Problem(
                field, f'line {_line(node)}: `{text}` is read as the number {float(yaml.safe_load(text))!r}: quote it ("{text}")'
            )
    if node.tag == _INT and not _PLAIN_INT.match(text):
        return Problem(field, f'line {_line(node)}: `{text}` is read as the number {yaml.safe_load(text)!r}: quote it ("{text}")')
    return None


def _walk(node: Node, field: str, problems: list[Problem]) -> None:
    if isinstance(node, ScalarNode):
        found = _scalar_problem(node, field)
        if found:
            problems.append(found)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, f"{field}[{i}]", problems)
    elif isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else "?"
            child = f"{field}.{name}" if field else name
            if name == "<<" and key.tag == "tag:yaml.org,2002:merge":
                problems.append(Problem(field, f"line {_line(key)}: `<<` merge keys are YAML 1.1 only: write the fields out"))
                continue
            if isinstance(key, ScalarNode) and key.style is None and key.tag != "tag:yaml.org,2002:str":
                problems.append(Problem(child, f'line {_line(key)}: the key `{name}` is not read as text here: quote it ("{name}")'))
            if name in seen:
                problems.append(
                    Problem(child, f"line {_line(key)}: given twice (also on line {seen[name]}); YAML keeps only the last: remove one")
                )
            seen.setdefault(name, _line(key))
            _walk(value, child, problems)


def ambiguities(text: str) -> list[Problem]:
    """The places where `text` (valid YAML) means different things to different parsers."""
    problems: list[Problem] = []
    for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
        if document is not None:
            _walk(document, "", problems)
    return problems
