"""Snapshots: the second net under the assertions, and the reviewer's view of a change.

Refresh with `make snapshot-update` after an intended change, and read the diff.
"""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.assembly import Assembly, normalized_template
from tests.snapshot_extension import TemplateSnapshotExtension


@pytest.fixture
def template_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(TemplateSnapshotExtension)


@pytest.mark.parametrize("suffix", ["network", "ecs"])
def test_template_matches_snapshot(assembly: Assembly, suffix: str, template_snapshot: SnapshotAssertion) -> None:
    stack = assembly.stack(suffix)
    assert normalized_template(assembly.template_json(stack)) == template_snapshot(name=stack)
