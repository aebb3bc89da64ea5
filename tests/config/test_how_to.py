"""docs/how-to.md's YAML blocks are valid config: each names the model it validates as."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from config import container_models, eks_models, ingress_models, models

HOW_TO = Path(__file__).resolve().parents[2] / "docs" / "how-to.md"
BLOCKS = re.findall(r"```yaml\n# validates as: (\w+)\n(.*?)```", HOW_TO.read_text(encoding="utf-8"), re.S)


def test_every_yaml_block_names_its_model() -> None:
    assert len(BLOCKS) == HOW_TO.read_text(encoding="utf-8").count("```yaml") >= 5


@pytest.mark.parametrize(("model", "text"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_the_block_validates(model: str, text: str) -> None:
    modules = (models, container_models, ingress_models, eks_models)
    cls = next(getattr(m, model) for m in modules if hasattr(m, model))
    cls.model_validate(yaml.safe_load(text))
