"""A synthesized cloud assembly as the tests read it: templates, nag report, metadata."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from tools.compliance import read_acknowledgments


@dataclass
class Assembly:
    """One environment's cdk.out, read back from disk (the same files the CLI writes)."""

    outdir: Path
    _templates: dict[str, Template] = field(default_factory=dict)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.outdir / "manifest.json").read_text())

    @cached_property
    def stack_names(self) -> list[str]:
        return sorted(a for a, art in self.manifest["artifacts"].items() if art["type"] == "aws:cloudformation:stack")

    @property
    def env(self) -> str:
        """The environment's name: the stacks are named berth-<env>-<suffix>."""
        return self.stack_names[0].split("-")[1]

    def stack(self, suffix: str) -> str:
        """The full stack name ending in `-suffix` (network, ecs)."""
        (name,) = [n for n in self.stack_names if n.endswith(f"-{suffix}")]
        return name

    def region(self, stack: str) -> str:
        """The region of a stack, from its artifact's environment (aws://account/region)."""
        return self.manifest["artifacts"][stack]["environment"].rsplit("/", 1)[-1]

    def template_json(self, stack: str) -> dict[str, Any]:
        return json.loads((self.outdir / f"{stack}.template.json").read_text())

    def template(self, suffix: str) -> Template:
        stack = self.stack(suffix)
        if stack not in self._templates:
            self._templates[stack] = Template.from_json(self.template_json(stack))
        return self._templates[stack]

    def resources(self, suffix: str, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template_json(self.stack(suffix))["Resources"].items() if v["Type"] == type_}

    @cached_property
    def validation_report(self) -> dict[str, Any]:
        return json.loads((self.outdir / "validation-report.json").read_text())

    def acknowledgments(self) -> list[dict[str, Any]]:
        """Every acknowledged rule, from each stack's metadata (aws:cdk:acknowledged-rules)."""
        return [{"stack": a.stack, "path": a.path, "id": a.rule_id, "reason": a.reason} for a in read_acknowledgments(self.outdir)]
