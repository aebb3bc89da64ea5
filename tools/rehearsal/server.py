"""The emulator, with berth's extension installed and the account seeded, on loopback.

    .venv-rehearse/bin/python -m tools.rehearsal.server --port 4599 --seed seed.json

Seeding puts in place what `make preflight` checks exists before a deploy (IAM roles of
access entries, secrets under their exact ARNs, SSM parameters, AWS's public AMI
parameters, the VPC and subnets of `network.existing` under their ids), because the account
a real deploy meets has them too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def seed(data: dict[str, Any]) -> None:
    import ministack.services.iam as _iam  # noqa: PLC0415
    import ministack.services.route53 as _r53  # noqa: PLC0415
    import ministack.services.secretsmanager as _secrets  # noqa: PLC0415
    import ministack.services.ssm as _ssm  # noqa: PLC0415

    for arn in data.get("roles", []):
        name = arn.rsplit("/", 1)[-1]
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": arn.split(":role/")[0] + ":root"}, "Action": "sts:AssumeRole"}],
            }
        )
        _iam._create_role({"RoleName": [name], "AssumeRolePolicyDocument": [trust], "Path": ["/"]})
    for arn in data.get("secrets", []):
        name = arn.split(":secret:", 1)[1][:-7]
        _secrets._store_new_secret(name, secret_string="{}")
        _secrets._secrets[name]["ARN"] = arn  # the exact ARN the config names (AWS picks the suffix)
    for zone_id, name in data.get("hosted_zones", {}).items():
        # Under the id the config names (AWS picks a zone's id, as for a secret's suffix).
        _r53._zones[zone_id] = {"id": zone_id, "name": _r53._normalise_name(name), "caller_reference": zone_id, "comment": "",
                                "private": False, "vpcs": []}  # fmt: skip
        _r53._records[zone_id] = _r53._default_records(_r53._normalise_name(name))
    for network in data.get("networks", []):
        _seed_network(network)
    for name, value in data.get("parameters", {}).items():
        if not name.startswith("/aws/"):
            _ssm._put_parameter({"Name": name, "Value": value, "Type": "SecureString"})
            continue
        # AWS's public parameters (the ECS-optimized AMIs): PutParameter refuses /aws/ names,
        # so the record is written as AWS publishes it.
        arn = f"arn:aws:ssm:{os.environ['MINISTACK_REGION']}::parameter{name}"
        _ssm._parameters[name] = {
            "Name": name,
            "Value": value,
            "OriginalValue": value,
            "Type": "String",
            "KeyId": "",
            "Version": 1,
            "ARN": arn,
            "LastModifiedDate": 0,
            "DataType": "aws:ec2:image" if name.endswith("image_id") else "text",
            "Description": "",
            "Tier": "Standard",
            "AllowedPattern": "",
            "Policies": [],
            "Labels": [],
        }


def _seed_network(network: dict[str, Any]) -> None:
    """A VPC and its subnets under the ids the config names (AWS picks them, as for a secret's
    suffix), made by the emulator's own CreateVpc and CreateSubnet, with a main route table,
    a default security group and network ACL like any VPC's."""
    import ministack.services.ec2 as _ec2  # noqa: PLC0415

    made_ids = (_ec2._new_vpc_id, _ec2._new_subnet_id)
    try:
        _ec2._new_vpc_id = lambda: network["vpc_id"]
        _ec2._create_vpc({"CidrBlock": [network["cidr"]]})
        for subnet in network["subnets"]:
            _ec2._new_subnet_id = lambda subnet_id=subnet["id"]: subnet_id
            _ec2._create_subnet({"VpcId": [network["vpc_id"]], "CidrBlock": [subnet["cidr"]], "AvailabilityZone": [subnet["zone"]]})
    finally:
        _ec2._new_vpc_id, _ec2._new_subnet_id = made_ids


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", required=True)
    parser.add_argument("--seed", type=Path)
    args = parser.parse_args()
    os.environ["GATEWAY_PORT"] = args.port
    os.environ.setdefault("BIND_HOST", "127.0.0.1")
    from ministack.services.cloudformation import provisioners  # noqa: PLC0415

    from tools.rehearsal.extension import install  # noqa: PLC0415

    added = install(provisioners._RESOURCE_HANDLERS)
    print(f"berth extension: {len(added)} types added: {', '.join(added)}", flush=True)
    if args.seed:
        seed(json.loads(args.seed.read_text()))
    from ministack.app import main as serve  # noqa: PLC0415

    sys.argv = ["ministack"]
    return serve() or 0


if __name__ == "__main__":
    sys.exit(main())
