"""The layering, as an import graph: constructs take CDK types and their own props, never
berth's config or its stacks; config never imports the CDK (a bad file is reported before
jsii starts)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports(package: str) -> dict[str, set[str]]:
    """Module path -> the top-level packages it imports (relative imports resolved)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names.add(package if node.level else (node.module or "").split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_constructs_import_neither_config_nor_stacks_nor_tools() -> None:
    offenders = {module: sorted(names & {"config", "stacks", "tools", "app"}) for module, names in imports("cdk_constructs").items()}
    assert {m: n for m, n in offenders.items() if n} == {}


def test_config_imports_no_cdk() -> None:
    offenders = {
        module: sorted(names & {"aws_cdk", "constructs", "cdk_nag", "jsii", "cdk_constructs", "stacks"})
        for module, names in imports("config").items()
    }
    assert {m: n for m, n in offenders.items() if n} == {}


def test_the_check_finds_an_import() -> None:
    """The graph is read, not assumed: stacks do import config."""
    assert "config" in imports("stacks")["stacks/props.py"]


def test_every_construct_module_has_tests_of_its_own() -> None:
    """A module that defines a Construct is imported by a test module in tests/cdk_constructs/."""
    defining = {
        f"cdk_constructs.{path.stem}"
        for path in (ROOT / "cdk_constructs").glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and any(getattr(base, "id", "") == "Construct" for base in node.bases)
    }
    tested = {
        node.module
        for path in (ROOT / "tests" / "cdk_constructs").glob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert len(defining) > 15
    assert sorted(defining - tested) == []
