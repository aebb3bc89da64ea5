"""The delivery pipeline's config (config/pipeline.yaml): where it runs, what it watches, and
the order in which it deploys the environments.

One file for the whole project, beside the environments it names: the pipeline lives in a
tooling account of its own and deploys each environment into that environment's account and
region, through the CDK bootstrap roles there (`make bootstrap` trusts the tooling account).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from config import patterns
from config.errors import Problem, ProblemsError
from config.limits import REGIONS
from config.types import ConfigModel, Name, RetentionDays

CONNECTION_ARN = patterns.described(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$",
    "a CodeConnections connection ARN: arn:aws:codeconnections:<region>:<account>:connection/<id> (aws codeconnections list-connections)",
)
Email = Annotated[str, Field(pattern=patterns.EMAIL)]
PolicyArn = Annotated[str, Field(pattern=patterns.POLICY_ARN)]
BRANCH = patterns.described(r"^[A-Za-z0-9._/-]{1,255}$", "a git branch name such as main")


class PipelineSourceConfig(ConfigModel):
    """The repository the pipeline builds, through a CodeConnections connection (GitHub, GitLab,
    Bitbucket), which a person authorizes once in the console (docs/pipeline.md)."""

    repository: str = Field(pattern=patterns.GITHUB_REPOSITORY)
    """owner/name of the repository."""
    branch: str = Field(default="main", pattern=BRANCH)
    """The branch whose every merged commit is delivered."""
    connection_arn: str = Field(pattern=CONNECTION_ARN)
    """The connection, in the tooling account (created PENDING by the console or CLI, then authorized there)."""


class PipelineWaveConfig(ConfigModel):
    """Environments deployed together (in parallel), after every wave above them."""

    name: Name
    environments: tuple[Name, ...] = Field(min_length=1)
    """Names of files in config/environments; independent of each other (e.g. two regions of prod)."""
    approval: bool = False
    """Review the change against the commit this wave last deployed, and wait for a person's approval before deploying."""


class PipelineNotificationsConfig(ConfigModel):
    """E-mail subscriptions to the pipeline's notices."""

    emails: tuple[Email, ...] = ()
    """Who hears of failed and succeeded runs and of approvals waiting (each confirms the subscription once)."""


class PipelineConfig(ConfigModel):
    """berth's delivery pipeline on CDK Pipelines (`make deploy-pipeline` creates it once; it updates itself after)."""

    name: Name = "berth"
    """Names the pipeline, its stack (<name>-pipeline) and its parameters."""
    account: str = Field(pattern=patterns.ACCOUNT)
    """The tooling account the pipeline runs in (12 digits, quoted)."""
    region: str = Field(pattern=patterns.REGION)
    """The tooling account's region for the pipeline."""
    source: PipelineSourceConfig
    waves: tuple[PipelineWaveConfig, ...] = Field(min_length=1)
    """In deploy order. The tests and the rehearsal run before the first."""
    execution_policies: tuple[PolicyArn, ...] = Field(min_length=1)
    """Managed policies CloudFormation's execution role gets in every target account (`cdk bootstrap
    --cloudformation-execution-policies`, required with --trust). berth's stacks create roles, keys and
    clusters: anything narrower must still allow that; docs/pipeline.md says what to weigh."""
    notifications: PipelineNotificationsConfig = PipelineNotificationsConfig()
    """Who hears of the pipeline's runs (an SNS topic, encrypted with the pipeline's key)."""
    log_retention_days: RetentionDays = 365
    """How long the pipeline's build logs are kept."""
    removal_policy: Literal["retain", "destroy"] = "retain"
    """What happens to the pipeline's key, buckets and logs when its stack is deleted."""

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in REGIONS:
            raise ValueError(f"not a region berth knows ({', '.join(sorted(REGIONS))})")
        return value

    @model_validator(mode="after")
    def _each_environment_once(self) -> PipelineConfig:
        problems: list[Problem] = []
        seen_waves: set[str] = set()
        placed: dict[str, str] = {}
        for i, wave in enumerate(self.waves):
            if wave.name in seen_waves:
                problems.append(
                    Problem(f"waves[{i}].name", "another wave has this name: each names a stage of the pipeline", wave.name, True)
                )
            seen_waves.add(wave.name)
            for j, env in enumerate(wave.environments):
                if env in placed:
                    problems.append(Problem(f"waves[{i}].environments[{j}]", f"already in wave '{placed[env]}': once each", env, True))
                placed.setdefault(env, wave.name)
        if problems:
            raise ProblemsError(problems)
        return self

    @property
    def stack_name(self) -> str:
        return f"{self.name}-pipeline"

    @property
    def environments(self) -> tuple[str, ...]:
        """Every environment the pipeline deploys, in deploy order."""
        return tuple(env for wave in self.waves for env in wave.environments)
