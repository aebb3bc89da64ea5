"""The checks that run on every synth, attached to the app once."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks


def attach_checks(app: App) -> None:
    """cdk-nag's AwsSolutions pack as a cdk-nag 3 validation plugin.

    An error finding makes synth fail; warnings land in validation-report.json, which the
    tests read (zero findings of either level is the bar).
    """
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
