"""config/data/aws.json is what the pinned botocore and moto say (run `make aws-data` to refresh)."""

from __future__ import annotations

import json

from config.limits import ANY_ZONE_LETTER, INSTANCE_TYPES, REGIONS
from tools.aws_data import TARGET, build, render


def test_committed_aws_data_is_current() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(build()), "config/data/aws.json is stale: run `make aws-data`"


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
