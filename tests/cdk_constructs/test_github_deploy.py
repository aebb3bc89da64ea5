"""GitHubDeployRole alone: a role only one repository's jobs in one GitHub environment can
assume, that may assume the CDK bootstrap roles and read what the preflight reads."""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
from aws_cdk.assertions import Template

from cdk_constructs.github_deploy import (
    BOOTSTRAP_ROLES,
    GITHUB_ISSUER,
    PREFLIGHT_ACTIONS,
    PREFLIGHT_PARAMETER_READ,
    GitHubDeployProps,
    GitHubDeployRole,
)
from tests.cdk_constructs.support import bare
from tools import aws_account, preflight

PROPS = GitHubDeployProps(repository="example-org/berth", environment="prod", role_name="berth-prod-github-deploy")


def _role(props: GitHubDeployProps) -> Template:
    b = bare()
    GitHubDeployRole(b.stack, "Deploy", props=props)
    return b.template()


def _mine(template: Template, type_: str) -> dict[str, dict]:
    """The construct's resources of `type_` (the bare stack has others)."""
    return {name: r for name, r in template.find_resources(type_).items() if name.startswith("Deploy")}


def test_only_the_repositorys_jobs_in_its_environment_may_assume_the_role() -> None:
    template = _role(PROPS)
    (role,) = _mine(template, "AWS::IAM::Role").values()
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    # Exact values, no StringLike: not another repository, not another branch or environment.
    assert statement["Condition"] == {
        "StringEquals": {
            f"{GITHUB_ISSUER}:aud": "sts.amazonaws.com",
            f"{GITHUB_ISSUER}:sub": "repo:example-org/berth:environment:prod",
        }
    }
    ((provider_id, provider),) = template.find_resources("AWS::IAM::OIDCProvider").items()
    assert statement["Principal"] == {"Federated": {"Ref": provider_id}}
    assert provider["Properties"]["Url"] == f"https://{GITHUB_ISSUER}"
    assert provider["DeletionPolicy"] == "RetainExceptOnCreate"  # other environments of the account may use it
    assert role["Properties"]["MaxSessionDuration"] == 3600


def test_a_second_environment_in_the_account_uses_the_provider_there() -> None:
    template = _role(GitHubDeployProps(repository="example-org/berth", environment="qa", role_name="r", create_provider=False))
    assert template.find_resources("AWS::IAM::OIDCProvider") == {}
    (role,) = _mine(template, "AWS::IAM::Role").values()
    federated = str(role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Federated"])
    assert f"oidc-provider/{GITHUB_ISSUER}" in federated


def test_the_role_may_assume_the_bootstrap_roles_and_read_what_preflight_reads() -> None:
    (policy,) = _mine(_role(PROPS), "AWS::IAM::Policy").values()
    by_sid = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert by_sid["CdkBootstrapRoles"]["Action"] == "sts:AssumeRole"
    assert len(by_sid["CdkBootstrapRoles"]["Resource"]) == len(BOOTSTRAP_ROLES)
    assert all("cdk-hnb659fds-" in str(r) for r in by_sid["CdkBootstrapRoles"]["Resource"])
    assert sorted(by_sid["Preflight"]["Action"]) == sorted(PREFLIGHT_ACTIONS)
    # Values are read only where the preflight reads them: AWS's public parameters, the bootstrap's version.
    assert by_sid["PreflightParameters"]["Action"] == PREFLIGHT_PARAMETER_READ
    resources = [str(r) for r in by_sid["PreflightParameters"]["Resource"]]
    assert any("parameter/aws/service/*" in r for r in resources)
    assert any("parameter/cdk-bootstrap/hnb659fds/version" in r for r in resources)
    assert not [a for a in PREFLIGHT_ACTIONS if not re.match(r"^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]+$", a)], "read-only"


def test_the_preflight_actions_are_the_calls_preflight_makes() -> None:
    """Every AWS call tools/preflight.py makes is allowed (sts:GetCallerIdentity needs no
    permission), and nothing else: the two lists move together."""
    source = Path(preflight.__file__).read_text(encoding="utf-8")
    calls = set(re.findall(r'aws\("([a-z0-9-]+)"[^)]*\)\.([a-z_]+)\(', source))
    named = dict(re.findall(r'(\w+) = aws\("([a-z0-9-]+)"[^)]*\)\s*$', source, re.MULTILINE))
    calls |= {(named[var], method) for var, method in re.findall(r"\b(\w+)\.([a-z_]+)\(", source) if var in named}
    # The account helpers preflight calls take the client named for its service (iam, sts).
    helpers = Path(aws_account.__file__).read_text(encoding="utf-8")
    calls |= {(var, method) for var, method in re.findall(r'\b(iam|sts)\.get_paginator\("([a-z_]+)"\)', helpers)}
    calls |= {(var, method) for var, method in re.findall(r"\b(iam|sts)\.([a-z_]+)\(", helpers) if method != "get_paginator"}
    session = botocore.session.get_session()
    prefixes = {"sso-admin": "sso"}
    actions = set()
    for service, method in calls:
        model = session.get_service_model(service)
        api = {botocore.xform_name(name): name for name in model.operation_names}[method]
        actions.add(f"{prefixes.get(service, service)}:{api}")
    assert actions - {"sts:GetCallerIdentity"} == {*PREFLIGHT_ACTIONS, PREFLIGHT_PARAMETER_READ}
    assert preflight.GITHUB_OIDC_ISSUER == GITHUB_ISSUER
