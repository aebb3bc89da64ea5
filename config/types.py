"""The config's primitives, in one place: the base model every section derives from, and the
field types more than one section uses (names, log retention, percentages, architectures)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from config import patterns
from config.errors import CrossCheckedModel


class ConfigModel(CrossCheckedModel):
    """Base for every config model: immutable, unknown fields are errors (typos), and a
    field's docstring (the string right under it) is its description in the JSON Schema and
    the configuration reference."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, use_attribute_docstrings=True)


Name = Annotated[
    str,
    Field(
        pattern=patterns.NAME,
        description="Lower-case letters, digits and hyphens; 2-32 characters; starts with a letter.",
    ),
]
# The retention periods CloudWatch Logs accepts.
RetentionDays = Literal[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
Architecture = Literal["x86_64", "arm64"]
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
Provider = Annotated[
    str,
    Field(
        pattern=patterns.PROVIDER,
        description="FARGATE, FARGATE_SPOT, EC2 (the cluster's ec2_capacity) or the name of one of its ec2_capacity_groups.",
    ),
]
Percent = Annotated[int, Field(ge=1, le=100)]
