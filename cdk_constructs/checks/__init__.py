"""The checks that run on every synth, attached to the app once.

- cdk-nag's AwsSolutions pack;
- berth's own pack (`BerthChecks`), for what cdk-nag misses: its EKS rules see only the v1
  `aws_eks` cluster class, not the native `AWS::EKS::*` resources of `aws_eks_v2`.

An error finding makes synth fail; warnings land in validation-report.json, which the tests
read (zero findings of either level is the bar).
"""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_constructs.checks.pack import BerthChecks


def attach_checks(app: App) -> None:
    validations = Validations.of(app)
    validations.add_plugins(AwsSolutionsChecks(app))
    validations.add_plugins(BerthChecks(app))
