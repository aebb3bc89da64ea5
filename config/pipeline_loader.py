"""Reading config/pipeline.yaml and the environments it deploys, each validated as `make synth` does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from config.errors import ConfigError, Problem, problems_from, relative, with_named_items
from config.loader import ENVIRONMENTS_DIR, _read_yaml, available_environments, load_config
from config.models import PlatformConfig
from config.pipeline_models import PipelineConfig

PIPELINE_FILE = ENVIRONMENTS_DIR.parent / "pipeline.yaml"


@dataclass(frozen=True)
class Pipeline:
    config: PipelineConfig
    environments: dict[str, PlatformConfig]
    """Every environment the pipeline deploys, by name, in deploy order."""


def load_pipeline_config(path: Path = PIPELINE_FILE) -> PipelineConfig:
    """config/pipeline.yaml alone, validated. Raises ConfigError listing every problem."""
    data, ambiguous = _read_yaml(path, None)
    try:
        config = PipelineConfig.model_validate(data)
    except ValidationError as exc:
        fields = {p.field for p in ambiguous}
        problems = with_named_items(ambiguous + [p for p in problems_from(exc, PipelineConfig) if p.field not in fields], data)
        raise ConfigError(relative(path), None, problems) from None
    if ambiguous:
        raise ConfigError(relative(path), None, with_named_items(ambiguous, data))
    return config


def load_pipeline(
    path: Path = PIPELINE_FILE,
    *,
    environments: Callable[[str], PlatformConfig] = load_config,
    known: list[str] | None = None,
) -> Pipeline:
    """The pipeline's config and each environment it deploys (`environments` loads one by
    name; the tests pass others). An environment without a file is a problem of the pipeline
    file; a bad environment file reports itself."""
    config = load_pipeline_config(path)
    known = available_environments() if known is None else known
    missing = [
        Problem(f"waves[{i}].environments[{j}]", f"no such environment (config/environments has: {', '.join(known)})", env, True)
        for i, wave in enumerate(config.waves)
        for j, env in enumerate(wave.environments)
        if env not in known
    ]
    if missing:
        raise ConfigError(relative(path), None, missing)
    return Pipeline(config, {name: environments(name) for name in config.environments})


def tooling_account(path: Path = PIPELINE_FILE) -> tuple[str, tuple[str, ...]] | None:
    """(the tooling account, the environments it deploys), or None without a pipeline file."""
    if not path.is_file():
        return None
    config = load_pipeline_config(path)
    return config.account, config.environments
