"""Every committed generated file is what the code, the config and the pins make it.

One test for all of them (snapshots, COMPLIANCE.md, docs/architecture.md, the schema, the AWS
data, docs/safe-changes.md, docs/configuration.md), from the session's assemblies; its message names the
one command that rewrites them, and shows the start of each stale file's diff.
"""

from __future__ import annotations

import pytest

from tests.assembly import Assembly
from tools import generated


def test_every_generated_file_is_current(assemblies: dict[str, Assembly], pipeline: Assembly) -> None:
    lines = generated.stale({env: a.outdir for env, a in assemblies.items()}, pipeline.outdir, diff_lines=40)
    assert not lines, generated.stale_message(lines)


def test_a_stale_file_is_named_with_the_command(
    assemblies: dict[str, Assembly], pipeline: Assembly, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check can fail: a snapshot that differs by one character is reported, with the fix."""
    outdirs = {env: a.outdir for env, a in assemblies.items()}
    snapshot = generated.snapshots(outdirs)[0]
    real = generated.Generated.current

    def edited(self: generated.Generated) -> str | None:
        text = real(self)
        return text.replace('"Resources"', '"Resourcez"', 1) if self.path == snapshot.path and text else text

    monkeypatch.setattr(generated.Generated, "current", edited)
    lines = generated.stale(outdirs, pipeline.outdir, diff_lines=5)
    assert f"{snapshot.name}: differs from what the code generates" in lines
    assert '-  "Resourcez": {' in "\n".join(lines), "with the start of its diff"
    assert "run `make regenerate`" in generated.stale_message(lines)
