"""config/data/aws.json covers what config checks (its freshness: tests/test_generated.py)."""

from __future__ import annotations

import json

from config.limits import ANY_ZONE_LETTER, INSTANCE_TYPES, REGIONS
from tools.aws_data import TARGET


def test_the_data_covers_what_berth_checks() -> None:
    data = json.loads(TARGET.read_text(encoding="utf-8"))
    assert "botocore" in data["source"]
    assert "moto" in data["source"]
    assert REGIONS["eu-west-1"] == "aws"
    assert REGIONS["cn-north-1"] == "aws-cn"
    assert ANY_ZONE_LETTER == "abcdef"
    assert len(INSTANCE_TYPES) > 1000
    assert INSTANCE_TYPES["m7g.large"].architecture == "arm64"
    assert INSTANCE_TYPES["p5.48xlarge"].accelerator == "nvidia"
    assert INSTANCE_TYPES["trn1.2xlarge"].accelerator == "neuron"
    assert INSTANCE_TYPES["inf2.xlarge"].accelerator == "neuron"
    assert INSTANCE_TYPES["m7i.large"].accelerator is None
