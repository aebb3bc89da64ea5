"""`make new-env NAME=... ACCOUNT=... REGION=...`: a new environment file, ready to synthesize.

Writes `config/environments/NAME.yaml` from berth's commented template
(config/templates/environment.yaml, not a copy of another environment): the name, account
and region given; up to three availability zones of the region (berth's zone data, no
look-up); a VPC CIDR no other environment uses; names and tags. The file is validated as
any environment is; a bad argument is reported with every other one and nothing is written.
What to edit next is marked EDIT in the file and listed at the end.

    python -m tools.new_env --name staging --account 555555555555 --region eu-central-1
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from ipaddress import IPv4Network
from pathlib import Path
from string import Template

import yaml

from config import ConfigError, load_config
from config.limits import REGIONS, ZONE_LETTERS
from config.loader import ENVIRONMENTS_DIR

TEMPLATE = Path(__file__).resolve().parent.parent / "config" / "templates" / "environment.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,14}[a-z0-9]$")
_ACCOUNT = re.compile(r"^\d{12}$")
MAX_ZONES = 3


def used_cidrs(directory: Path) -> list[IPv4Network]:
    """The VPC CIDRs the environments in `directory` use (read as YAML: a file that no longer
    validates still holds its range)."""
    found = []
    for path in sorted(directory.glob("*.yaml")):
        cidr = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("network", {}).get("cidr")
        if cidr:
            found.append(IPv4Network(str(cidr), strict=False))
    return found


def free_cidr(used: list[IPv4Network]) -> IPv4Network:
    """The first 10.N.0.0/16 (N = 10, 20, ... then the rest) that overlaps none of `used`."""
    for second in [*range(10, 256, 10), *(n for n in range(256) if n % 10)]:
        candidate = IPv4Network(f"10.{second}.0.0/16")
        if not any(candidate.overlaps(u) for u in used):
            return candidate
    raise ValueError("every 10.N.0.0/16 overlaps an environment's VPC: set network.cidr by hand")


def problems(name: str, account: str, region: str, directory: Path) -> list[str]:
    found = []
    if not _NAME.match(name):
        found.append(f"NAME: {name!r} is not 2 to 16 lower-case letters, digits and hyphens, starting with a letter")
    elif (directory / f"{name}.yaml").exists():
        found.append(f"NAME: {directory / f'{name}.yaml'} exists already; pick another name or edit that file")
    if not _ACCOUNT.match(account):
        found.append(f"ACCOUNT: {account!r} is not a 12-digit AWS account id")
    if region not in REGIONS or region not in ZONE_LETTERS:
        found.append(f"REGION: {region!r} is not a region berth knows (config/data/aws.json): e.g. eu-west-1, us-east-1")
    return found


def render(name: str, account: str, region: str, cidr: IPv4Network, today: datetime.date) -> str:
    zones = [f"{region}{letter}" for letter in ZONE_LETTERS[region][:MAX_ZONES]]
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        name=name,
        account=account,
        region=region,
        zones=", ".join(zones),
        cidr=str(cidr),
        nat_gateways=str(len(zones)),
        date=today.isoformat(),
    )


NEXT = """wrote {path}
It synthesizes now: make synth ENV={name}
Before its first deploy, edit the lines marked EDIT (owner, alarm e-mail, the service and its
image), add web services, EKS or a domain as docs/how-to.md shows, then follow
docs/first-deploy.md: make bootstrap ENV={name}, make preflight ENV={name}, make first-deploy ENV={name}.
make regenerate adds its snapshots and picture (the tests then cover it). To deliver it through the
pipeline, add it to a wave in config/pipeline.yaml after its first deploy (docs/pipeline.md)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--directory", type=Path, default=ENVIRONMENTS_DIR, help=argparse.SUPPRESS)  # tests write elsewhere
    args = parser.parse_args(argv)
    wrong = problems(args.name, args.account, args.region, args.directory)
    if wrong:
        sys.stderr.write("berth: make new-env: nothing written:\n" + "".join(f"  - {w}\n" for w in wrong))
        return 2
    cidrs = used_cidrs(args.directory) + ([] if args.directory == ENVIRONMENTS_DIR else used_cidrs(ENVIRONMENTS_DIR))
    path = args.directory / f"{args.name}.yaml"
    path.write_text(render(args.name, args.account, args.region, free_cidr(cidrs), datetime.date.today()), encoding="utf-8")
    try:
        load_config(args.name if args.directory == ENVIRONMENTS_DIR else None, None if args.directory == ENVIRONMENTS_DIR else str(path))
    except ConfigError as exc:  # the template is berth's: a failure here is a bug of berth's
        path.unlink()
        sys.stderr.write(f"{exc}\nberth: make new-env: the written file did not validate (a bug in berth's template); removed\n")
        return 2
    print(NEXT.format(path=path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path, name=args.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
