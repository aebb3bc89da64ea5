"""cfn-lint over every synthesized template: zero errors.

This is the template check berth relies on: the app turns aws-cdk-lib's built-in
WebAssembly validator off for speed (see README), so this test must stay.
"""

from __future__ import annotations

from cfnlint.api import ManualArgs, lint, lint_all

from tests.assembly import Assembly


def test_templates_have_no_cfn_lint_errors(assembly: Assembly) -> None:
    for stack in assembly.stack_names:
        path = assembly.outdir / f"{stack}.template.json"
        matches = lint(path.read_text(), config=ManualArgs(regions=[assembly.region(stack)]))
        errors = [f"{m.rule.id} {m.message[:300]} ({m.path})" for m in matches if m.rule.id.startswith("E")]
        assert errors == [], f"{stack}: {errors}"


def test_cfn_lint_would_catch_a_broken_template(assembly: Assembly) -> None:
    """Guard against a lint call that silently checks nothing."""
    broken = '{"Resources": {"Bad": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": "many"}}}}'
    assert any(m.rule.id.startswith("E") for m in lint_all(broken))
