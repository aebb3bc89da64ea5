"""Typed, validated environment configuration: the only input berth's stacks read."""

from config.errors import ConfigError
from config.loader import load_config, resolve_config_path
from config.models import PlatformConfig

__all__ = ["ConfigError", "PlatformConfig", "load_config", "resolve_config_path"]
