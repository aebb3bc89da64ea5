"""An identity-policy statement granted to a workload (ECS task role, EKS pod identity)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from config.errors import Problem, ProblemsError
from config.types import ConfigModel

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
_SECRET_ARN = re.compile(r"^arn:[a-z-]+:secretsmanager:[a-z0-9-]*:\d*:secret:")
_SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


class Permission(ConfigModel):
    """One identity-policy statement. Least privilege is checked here: no `*` action, no
    whole-service wildcard, ARNs only, and a written reason for any wildcard resource."""

    actions: tuple[str, ...] = Field(min_length=1)
    """IAM actions, e.g. s3:GetObject (no `*`, no whole-service wildcard)."""
    resources: tuple[str, ...] = Field(min_length=1)
    """Resource ARNs the actions apply to."""
    wildcard_reason: str | None = Field(
        default=None,
        min_length=20,
        description="Required when a resource contains '*' (e.g. objects under a prefix); becomes the cdk-nag acknowledgment's reason.",
    )

    @field_validator("actions")
    @classmethod
    def _no_service_wildcards(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in value if a == "*" or a.endswith(":*") or not _ACTION.match(a)]
        if bad:
            raise ValueError(f"actions must name service:Action; '*' and whole-service wildcards are refused: {bad}")
        return value

    @field_validator("resources")
    @classmethod
    def _arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [r for r in value if not r.startswith("arn:")]
        if bad:
            raise ValueError(f"resources must be ARNs (least privilege): {bad}")
        if "*" in value:
            raise ValueError("resource '*' is refused: name the ARNs the workload needs")
        unsuffixed = [r for r in value if _SECRET_ARN.match(r) and "*" not in r and not _SECRET_SUFFIX.search(r)]
        if unsuffixed:
            raise ValueError(
                f"{unsuffixed}: a Secrets Manager ARN ends with a six-character suffix that AWS adds to the name (...:secret:"
                "name-AbCdEf); without it the grant matches nothing. Copy the complete ARN from the console or "
                "`aws secretsmanager describe-secret`"
            )
        return value

    @model_validator(mode="after")
    def _wildcards_explained(self) -> Permission:
        if any("*" in r for r in self.resources) and self.wildcard_reason is None:
            raise ProblemsError(
                [Problem("wildcard_reason", "a resource contains '*': say why it is needed (it is reviewed as the cdk-nag acknowledgment)")]
            )
        return self
