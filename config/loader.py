"""Reading an environment file: the one place berth touches configuration on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config import warnings
from config.errors import ConfigError, Problem, problems_from, relative, with_named_items
from config.images import apply_image_file, image_file
from config.models import PlatformConfig
from config.yaml_reading import ambiguities

ENVIRONMENTS_DIR = Path(__file__).resolve().parent / "environments"


def available_environments(checkout: Path | None = None) -> list[str]:
    """The environments of this checkout (or of another one, e.g. the review's base commit)."""
    directory = ENVIRONMENTS_DIR if checkout is None else checkout / ENVIRONMENTS_DIR.relative_to(ENVIRONMENTS_DIR.parents[1])
    return sorted(p.stem for p in directory.glob("*.yaml"))


def resolve_config_path(env: str | None, config_path: str | None) -> tuple[Path, str | None]:
    """Map `-c env=NAME` / `-c config=PATH` to a file. `config` wins; `env` defaults to dev."""
    if config_path:
        return Path(config_path), env
    name = env or "dev"
    path = ENVIRONMENTS_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(available_environments()) or "none"
        raise ConfigError(
            relative(path),
            name,
            [Problem("env", f"unknown environment; known environments: {known} (or pass -c config=PATH)", name, True)],
        )
    return path, name


def _read_yaml(path: Path, env: str | None) -> tuple[dict[str, Any], list[Problem]]:
    """The file's data, and the places where its meaning depends on the YAML parser."""
    source = relative(path)
    if not path.is_file():
        raise ConfigError(source, env, [Problem("", "file not found")])
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(source, env, [Problem("", f"not valid YAML: {where}{reason}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, env, [Problem("", f"cannot read the file: {exc}")]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ConfigError(source, env, [Problem("", f"the file must hold a mapping of fields, not {kind}")])
    return data, ambiguities(text)


def load_config(env: str | None = None, config_path: str | None = None) -> PlatformConfig:
    """Load and validate one environment. Raises ConfigError listing every problem."""
    path, env_name = resolve_config_path(env, config_path)
    data, ambiguous = _read_yaml(path, env_name)
    images = image_file(env_name, path.parent.parent / "images") if env_name else None
    if images is not None and images.is_file():
        image_problems = apply_image_file(data, images)
        if image_problems:
            raise ConfigError(relative(images), env_name, image_problems)
    try:
        config = PlatformConfig.model_validate(data)
    except ValidationError as exc:
        # A field whose YAML is ambiguous is reported once, as such, not again as a wrong type.
        fields = {p.field for p in ambiguous}
        problems = with_named_items(ambiguous + [p for p in problems_from(exc, PlatformConfig) if p.field not in fields], data)
        raise ConfigError(relative(path), env_name or data.get("name"), problems) from None
    if ambiguous:
        raise ConfigError(relative(path), env_name or config.name, with_named_items(ambiguous, data))
    if env_name is not None and config.name != env_name:
        raise ConfigError(
            relative(path), env_name, [Problem("name", f"must match the environment file name '{env_name}'", config.name, True)]
        )
    return config


def config_warnings(config: PlatformConfig) -> list[str]:
    """Legal but suspicious choices, compared with the shipped environments: printed by the
    app at synth, never errors (config/warnings.py)."""
    return warnings.config_warnings(config, ENVIRONMENTS_DIR)


def for_first_deploy(config: PlatformConfig) -> PlatformConfig:
    """The environment as its first deploy creates it: load balancers and the EKS cluster without
    deletion protection.

    CloudFormation rolls a failed create back by deleting what it made; a load balancer or a
    cluster with deletion protection refuses, and the stack ends in ROLLBACK_FAILED instead of a state a
    retry can start from. `make first-deploy` deploys this variant, then the real config,
    whose second deploy only turns the protection on (an in-place attribute update).
    """
    unprotected = {"deletion_protection": False}
    services = tuple(
        s.model_copy(update={"load_balancer": s.load_balancer.model_copy(update=unprotected)}) if s.load_balancer is not None else s
        for s in config.ecs.services
    )
    shared = config.ecs.ingress
    ingress = shared.model_copy(
        update={name: lb.model_copy(update=unprotected) for name, lb in (("public", shared.public), ("internal", shared.internal)) if lb}
    )
    eks = config.eks.model_copy(update=unprotected) if config.eks is not None else None
    return config.model_copy(update={"ecs": config.ecs.model_copy(update={"services": services, "ingress": ingress}), "eks": eks})
