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


def test_templates_match_snapshots(assembly: Assembly, template_snapshot: SnapshotAssertion) -> None:
    for stack in assembly.stack_names:
        assert normalized_template(assembly.template_json(stack)) == template_snapshot(name=stack), stack
