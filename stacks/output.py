"""The cloud assembly's files in an output directory, and their removal after a failed synth.

Kept free of aws-cdk-lib imports: app.py uses it for a bad config before jsii starts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPORT = "validation-report.json"
# What `cdk deploy` would read. An earlier run's files go too, or a failed synth would leave an
# older assembly in place to be deployed (the pipeline's environments are in assembly-<env>); the
# CLI's lock files and cdk-nag's report stay.
ASSEMBLY_FILES = ("assembly-*", "manifest.json", "tree.json", "cdk.out", "*.template.json", "*.assets.json", "*.metadata.json", "asset.*")


def remove_assembly(outdir: Path) -> None:
    if not outdir.is_dir():
        return
    for entry in {e for pattern in ASSEMBLY_FILES for e in outdir.glob(pattern)}:
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
