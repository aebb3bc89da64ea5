"""cfn-lint over every synthesized template: zero errors.

This is the template check berth relies on: the app turns aws-cdk-lib's built-in
WebAssembly validator off for speed (see README), so this test must stay. The runs were
started in the background by the session fixtures (tests/background.py).
"""

from __future__ import annotations

from cfnlint.api import lint_all

from tests.assembly import Assembly
from tests.background import cfn_lint_matches


def test_templates_have_no_cfn_lint_errors(
    assemblies: dict[str, Assembly], karpenter: Assembly, pipeline: Assembly, pipeline_example: Assembly
) -> None:
    matches = cfn_lint_matches()
    errors = [f"{m['Rule']['Id']} {m['Message'][:300]} ({m['Filename']})" for m in matches if m["Level"] == "Error"]
    assert errors == []


def test_cfn_lint_would_catch_a_broken_template() -> None:
    """Guard against a lint call that silently checks nothing."""
    broken = '{"Resources": {"Bad": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": "many"}}}}'
    assert any(m.rule.id.startswith("E") for m in lint_all(broken))
