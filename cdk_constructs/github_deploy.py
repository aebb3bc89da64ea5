"""A deploy role for GitHub Actions, assumed through OIDC: no long-lived access keys.

GitHub's OIDC provider issues each job a token whose `sub` names the repository and, for a
job that runs in a GitHub environment, that environment (`repo:OWNER/NAME:environment:ENV`);
`aud` is `sts.amazonaws.com` for AWS's credentials action. The role trusts exactly that
subject and audience (`StringEquals`, no wildcard), so only a job of this repository running
in that environment, behind its protection rules, may assume it
(https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html).

What the role may do is what `make preflight` and `make deploy` need and no more: assume
the CDK bootstrap roles of this account and region (the deploy, file- and image-publishing
and look-up roles, named by the bootstrap's qualifier), which do the deploying under
CloudFormation; and the read-only calls of the preflight. The account holds one GitHub OIDC
provider (IAM refuses a second with the same URL): the first environment in an account
creates it, the others name it (`create_provider=False`; its ARN is fixed by its URL).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, default_policy
from cdk_constructs.principals import BOOTSTRAP_QUALIFIER
from cdk_constructs.stack_facts import stack_facts

GITHUB_ISSUER = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
BOOTSTRAP_ROLES = ("deploy", "file-publishing", "image-publishing", "lookup")
# The read-only calls tools/preflight.py makes, itself or through tools/aws_account.py
# (tests/cdk_constructs/test_github_deploy.py keeps them in step). None of them takes a resource narrower than "*" for what preflight reads.
PREFLIGHT_ACTIONS = (
    "acm:DescribeCertificate",
    "cloudformation:DescribeStacks",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeImages",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ecr:DescribeImages",
    "eks:DescribeAddonVersions",
    "firehose:DescribeDeliveryStream",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetRole",
    "iam:ListRoles",
    "route53:GetHostedZone",
    "secretsmanager:DescribeSecret",
    "sso:ListInstances",
    "ssm:DescribeParameters",
)
# ssm:GetParameter reads values, so it is scoped to what the preflight reads: AWS's public
# parameters (the tracked ECS AMIs) and the CDK bootstrap's version.
PREFLIGHT_PARAMETER_READ = "ssm:GetParameter"


@dataclass(frozen=True, kw_only=True)
class GitHubDeployProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `repository` | (required) | owner/name of the repository whose jobs deploy |
    | `environment` | (required) | the GitHub environment a deploying job runs in: only it may assume the role |
    | `role_name` | (required) | a fixed name, so the workflow can name the role before the stack exists |
    | `create_provider` | True | create the account's GitHub OIDC provider (else use the one there) |
    | `bootstrap_qualifier` | "hnb659fds" | the CDK bootstrap's qualifier (its roles' names) |
    | `removal_policy` | RETAIN_ON_UPDATE_OR_DELETE | of the provider, which other environments in the account may use |
    """

    repository: str
    environment: str
    role_name: str
    create_provider: bool = True
    bootstrap_qualifier: str = BOOTSTRAP_QUALIFIER
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE


class GitHubDeployRole(Construct):
    """The account's GitHub OIDC provider (or the existing one) and one environment's deploy role."""

    def __init__(self, scope: Construct, construct_id: str, *, props: GitHubDeployProps) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        if props.create_provider:
            provider: iam.IOidcProvider = iam.OidcProviderNative(
                self, "Provider", url=f"https://{GITHUB_ISSUER}", client_ids=[AUDIENCE], removal_policy=props.removal_policy
            )
        else:
            arn = stack.format_arn(service="iam", region="", resource="oidc-provider", resource_name=GITHUB_ISSUER)
            provider = iam.OidcProviderNative.from_oidc_provider_arn(self, "Provider", arn)
        subject = f"repo:{props.repository}:environment:{props.environment}"
        self.role = iam.Role(
            self,
            "Role",
            role_name=props.role_name,
            assumed_by=iam.WebIdentityPrincipal(
                provider.oidc_provider_arn,
                conditions={"StringEquals": {f"{GITHUB_ISSUER}:aud": AUDIENCE, f"{GITHUB_ISSUER}:sub": subject}},
            ),
            max_session_duration=Duration.hours(1),
            description=f"GitHub Actions deploys of {props.repository} in its {props.environment} environment",
        )
        bootstrap = [
            stack.format_arn(
                service="iam",
                region="",
                resource="role",
                resource_name=f"cdk-{props.bootstrap_qualifier}-{role}-role-{stack.account}-{stack.region}",
            )
            for role in BOOTSTRAP_ROLES
        ]
        self.role.add_to_principal_policy(iam.PolicyStatement(sid="CdkBootstrapRoles", actions=["sts:AssumeRole"], resources=bootstrap))
        self.role.add_to_principal_policy(iam.PolicyStatement(sid="Preflight", actions=list(PREFLIGHT_ACTIONS), resources=["*"]))
        facts = stack_facts(self)
        public = f"arn:{facts.partition}:ssm:{facts.region}::parameter/aws/service/*"
        version = stack.format_arn(service="ssm", resource="parameter", resource_name=f"cdk-bootstrap/{props.bootstrap_qualifier}/version")
        parameters = [public, version]
        self.role.add_to_principal_policy(
            iam.PolicyStatement(sid="PreflightParameters", actions=[PREFLIGHT_PARAMETER_READ], resources=parameters)
        )
        policy = default_policy(self.role)
        assert policy is not None  # the two statements above made it
        acknowledge(
            policy,
            "IAM5[Resource::*]",
            "The preflight's read-only describe, get and list calls (AZs, images, subnets, certificates, add-on "
            "versions, Identity Center instances), which read no secret or parameter value, on what the config names in "
            "any account or region it names; deploying is done by the CDK bootstrap roles, not this one.",
        )
        acknowledge(
            policy,
            f"IAM5[Resource::{public}]",
            "AWS's public SSM parameters under /aws/service/ (the ECS-optimized AMI ids the preflight checks, the EKS AMI "
            "releases the upgrade plan reads): published by AWS for every account, holding no secret.",
        )
