"""The checks that run on every synth, attached to the app once.

- cdk-nag's AwsSolutions, NIST 800-53 rev 5 and HIPAA Security packs;
- berth's own pack (`BerthChecks`), for what cdk-nag misses: its EKS rules see only the v1
  `aws_eks` cluster class, not the native `AWS::EKS::*` resources of `aws_eks_v2`.

An error finding makes synth fail; warnings land in validation-report.json, which the tests
read (zero findings of either level is the bar).
"""

from __future__ import annotations

from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

from cdk_constructs.acknowledgments import acknowledge_compliance
from cdk_constructs.checks.pack import BerthChecks


def attach_checks(app: App) -> None:
    validations = Validations.of(app)
    for pack in (AwsSolutionsChecks(app), NIST80053R5Checks(app), HIPAASecurityChecks(app), BerthChecks(app)):
        validations.add_plugins(pack)


def acknowledge_grant_policies(stack: Stack) -> None:
    """IAMNoInlinePolicy (NIST, HIPAA) on every `DefaultPolicy` aws-cdk-lib writes for a grant.

    Each is acknowledged on that policy resource, by path: the finding has no fix inside the
    CDK short of bypassing its grants, which would lose their least-privilege scoping.
    """
    for construct in stack.node.find_all():
        if isinstance(construct, iam.Policy) and construct.node.id == "DefaultPolicy":
            acknowledge_compliance(
                construct,
                "IAMNoInlinePolicy",
                "The policy aws-cdk-lib writes for its grants (one per role, scoped to the granted resources); a "
                "customer-managed policy instead would need the grants bypassed and rewritten by hand.",
            )
