"""Reading config/pipeline.yaml and the environments it deploys, each validated as `make synth` does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    @property
    def regions(self) -> list[str]:
        return tooling_regions(self.config, self.environments)


def tooling_regions(config: PipelineConfig, environments: dict[str, PlatformConfig]) -> list[str]:
    """The regions the tooling account works in: its own, then every other region an environment is
    in (CodePipeline deploys a replication bucket's support stack there)."""
    return [config.region, *sorted({c.region for c in environments.values()} - {config.region})]


def load_pipeline_config(path: Path = PIPELINE_FILE) -> PipelineConfig:
    """config/pipeline.yaml alone, validated. Raises ConfigError listing every problem."""
    return _load(path, known=None)


def load_pipeline(
    path: Path = PIPELINE_FILE,
    *,
    environments: Callable[[str], PlatformConfig] = load_config,
    known: list[str] | None = None,
) -> Pipeline:
    """The pipeline's config and each environment it deploys (`environments` loads one by
    name; the tests pass others). An environment without a file is a problem of the pipeline
    file, reported with the others; a bad environment file reports itself."""
    config = _load(path, known=available_environments() if known is None else known)
    return Pipeline(config, {name: environments(name) for name in config.environments})


def _load(path: Path, *, known: list[str] | None) -> PipelineConfig:
    data, ambiguous = _read_yaml(path, None)
    missing = _missing_environments(data, known) if known is not None else []
    try:
        config = PipelineConfig.model_validate(data)
    except ValidationError as exc:
        fields = {p.field for p in ambiguous}
        problems = ambiguous + [p for p in problems_from(exc, PipelineConfig) if p.field not in fields]
        raise ConfigError(relative(path), None, with_named_items(problems + missing, data)) from None
    if ambiguous or missing:
        raise ConfigError(relative(path), None, with_named_items(ambiguous + missing, data))
    return config


def _missing_environments(data: dict[str, Any], known: list[str]) -> list[Problem]:
    """Each wave's environment with no file, read from the raw data (so it joins the model's problems)."""
    waves = data.get("waves")
    return [
        Problem(f"waves[{i}].environments[{j}]", f"no such environment (config/environments has: {', '.join(known)})", env, True)
        for i, wave in enumerate(waves if isinstance(waves, list) else [])
        if isinstance(wave, dict) and isinstance(wave.get("environments"), list)
        for j, env in enumerate(wave["environments"])
        if isinstance(env, str) and env not in known
    ]
