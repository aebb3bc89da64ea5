"""The rehearsal's tests need none of the suite's background runs (end-to-end synths, the
the config-change loop): these fixtures, of the same names, replace the session-wide ones for this folder."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def cli_synths() -> None:
    return None


@pytest.fixture(scope="session", autouse=True)
def config_change_loop() -> None:
    return None
