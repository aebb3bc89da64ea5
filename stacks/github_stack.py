"""The GitHub stack: what a GitHub Actions workflow needs to deploy this environment with
short-lived credentials (berth-<env>-github, when the config has `github`)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput
from constructs import Construct

from cdk_constructs.github_deploy import GitHubDeployProps, GitHubDeployRole
from cdk_constructs.removal import RETAIN
from config.models import PlatformConfig
from stacks.base import BerthStack


class GitHubStack(BerthStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        github = config.github
        if github is None:
            raise ValueError("GitHubStack needs config.github")
        description = f"berth {config.name}: GitHub Actions deploy role (OIDC)"
        super().__init__(scope, construct_id, config=config, description=description, **kwargs)
        deploy = GitHubDeployRole(
            self,
            "Deploy",
            props=GitHubDeployProps(
                repository=github.repository,
                environment=github.environment or config.name,
                role_name=config.github_deploy_role_name,
                create_provider=github.create_oidc_provider,
                removal_policy=RETAIN,
            ),
        )
        CfnOutput(self, "DeployRoleArn", value=deploy.role.role_arn, description="role-to-assume of the deploy workflow")
