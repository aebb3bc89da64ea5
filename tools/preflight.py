"""`make preflight ENV=...`: is the account ready for this environment's config?

Read-only AWS calls (botocore, the environment's credentials) that everything the config
refers to exists and is usable, before `cdk deploy` finds out 15 minutes into a cluster
create. Each check yields findings: ok, BLOCKER (the deploy would fail), "cannot verify"
(in another account, or an API the credentials may not reach), or a warning. A table, one
line of help per problem, exit 1 on any blocker.

What is checked, and the AWS behaviour behind it:
- the credentials' account is the environment's (sts:GetCallerIdentity);
- the service-linked roles exist (`make bootstrap` creates them; aws/containers-roadmap#2614);
- IAM principals of access entries exist: CreateAccessEntry refuses an unknown principal
  after the cluster is created, and the EKS stack rolls back
  (https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html);
- the permissions boundary exists;
- the availability zones exist in this account (zone letters map per account);
- an existing VPC (`network.existing`): it exists with the config's CIDR; each subnet is in
  it, in its zone; a private subnet has no route to an internet gateway (EKS places nodes and
  Fargate pods only in private subnets, https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html)
  and a default route out (NAT, a transit gateway: else only endpoints reach AWS APIs); a public
  subnet routes to an internet gateway (internet-facing load balancers); the subnet tags EKS
  load balancing discovers (kubernetes.io/role/elb, kubernetes.io/role/internal-elb) and
  Karpenter's discovery tag, which berth sets on the VPC it creates but not on yours;
- a pinned AMI exists in the region with the instance type's architecture; a tracked AMI's
  public SSM parameter exists (CloudFormation refuses a missing SSM-typed parameter);
- secrets exist under their exact ARN (a partial ARN also resolves: the returned ARN is
  compared) and SSM parameters exist;
- certificates are issued, in the environment's region, and not expired;
- the hosted zone of `ecs.domain` exists under that name and is public: berth's certificates
  are validated through it, and ACM validates through public DNS only
  (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html);
- ECR repositories and image tags or digests exist (a repository berth creates: once its
  images stack is deployed and the image pushed); Docker is here for images built at deploy;
- pinned EKS add-on versions are offered for the cluster's Kubernetes version;
- GitHub deploys (`github`): the account's GitHub OIDC provider exists only when another
  environment (or the team) made it, i.e. `create_oidc_provider` says the truth (IAM holds
  one provider per URL: a second create fails);
- Argo CD's IAM Identity Center instance is one this account sees (an organization's
  instance managed elsewhere may not be listed: a warning, not a blocker);
- the CDK bootstrap stack is version 6 or later (the templates' CheckBootstrapVersion rule);
- an environment the delivery pipeline deploys (config/pipeline.yaml) from another account
  was bootstrapped to trust the tooling account: `--trust` (CDK Pipelines assumes the deploy
  and publishing roles), `--trust-for-lookup` (its preflight step runs as the look-up role)
  and the configured `--cloudformation-execution-policies`, read from the CDKToolkit stack's
  parameters (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-customizing.html).

    python -m tools.preflight --env prod [--assume-role ARN]   # the pipeline passes its look-up role
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from config.errors import ConfigError
from config.images import repository_name
from config.limits import REGIONS, instance_type
from config.models import Ec2CapacityConfig, PlatformConfig
from config.pipeline_loader import PIPELINE_FILE, load_pipeline_config
from config.pipeline_models import PipelineConfig
from tools.aws_account import (
    account_mismatch,
    environment_and_options,
    existing_service_linked_role,
    service_linked_roles,
    tracked_ami_parameter,
)

OK, BLOCKER, UNVERIFIED, WARNING = "ok", "BLOCKER", "cannot verify", "warning"
MIN_BOOTSTRAP_VERSION = 6
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
# GitHub's token issuer, as cdk_constructs/github_deploy.py names it (not imported: that module
# starts jsii; a test keeps the two equal).
GITHUB_OIDC_ISSUER = "token.actions.githubusercontent.com"
_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<name>.+)$")
_ROLE = re.compile(r"^arn:[a-z-]+:iam::(?P<account>\d{12}):role/(?P<path>.*/)?(?P<name>[^/]+)$")


@dataclass(frozen=True)
class Finding:
    check: str
    subject: str
    status: str
    help: str = ""


class Clients:
    """boto3 clients by service and region, made once (a client costs ~50 ms to build)."""

    def __init__(self, session: Any, region: str) -> None:
        self._session = session
        self._region = region
        self._made: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self._region)
        if key not in self._made:
            self._made[key] = self._session.client(service, region_name=key[1])
        return self._made[key]


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__))


def checked_call(check: str, subject: str, help_: str, call: Callable[[], Finding]) -> Finding:
    """Run one API call; an error it raises becomes a finding, never a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        return call()
    except ClientError as exc:
        code = _code(exc)
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "404"):
            return Finding(check, subject, UNVERIFIED, f"{code}: the credentials cannot make this call ({exc})")
        return Finding(check, subject, BLOCKER, f"{code}: {help_}")
    except BotoCoreError as exc:
        return Finding(check, subject, UNVERIFIED, str(exc))


def check_account(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    wrong = account_mismatch(config, aws("sts"))
    yield (
        Finding("account", config.account, BLOCKER, f"{wrong}: use the environment's account")
        if wrong
        else Finding("account", config.account, OK)
    )


def check_service_linked_roles(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    for role in service_linked_roles(config):
        arn = existing_service_linked_role(aws("iam"), role.service)
        if arn:
            yield Finding("service-linked role", role.service, OK)
        else:
            yield Finding("service-linked role", role.service, BLOCKER, f"missing ({role.why}): run `make bootstrap ENV={config.name}`")


def _role_exists(config: PlatformConfig, aws: Clients, check: str, arn: str) -> Finding:
    match = _ROLE.match(arn)
    if match is None:
        return Finding(check, arn, BLOCKER, "not an IAM role ARN")
    if match["account"] != config.account:
        return Finding(check, arn, UNVERIFIED, "a role in another account: check it there (an access entry needs it to exist)")

    def call() -> Finding:
        found = aws("iam").get_role(RoleName=match["name"])["Role"]["Arn"]
        if found != arn:
            return Finding(check, arn, BLOCKER, f"the role named {match['name']} is {found}: use that ARN (path included)")
        return Finding(check, arn, OK)

    return checked_call(check, arn, "no such role: create it first, or remove it from the config", call)


def check_principals(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    if config.eks is not None:
        for arn in (*config.eks.access.admins, *config.eks.access.viewers):
            yield _role_exists(config, aws, "access entry principal", arn)
    if config.permissions_boundary:
        boundary = config.permissions_boundary

        def call() -> Finding:
            aws("iam").get_policy(PolicyArn=boundary)
            return Finding("permissions boundary", boundary, OK)

        yield checked_call("permissions boundary", boundary, "no such managed policy: every role's create would fail", call)


def check_zones(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    zones = {z["ZoneName"]: z["State"] for z in aws("ec2").describe_availability_zones(AllAvailabilityZones=False)["AvailabilityZones"]}
    for zone in config.availability_zones:
        if zones.get(zone) == "available":
            yield Finding("availability zone", zone, OK)
        else:
            known = ", ".join(sorted(zones))
            yield Finding("availability zone", zone, BLOCKER, f"not available in this account (it has {known}): change availability_zones")


def check_existing_network(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    """The VPC and subnets of `network.existing` (nothing to check for the VPC berth creates)."""
    existing = config.network.existing
    if existing is None:
        return
    ec2 = aws("ec2")

    def vpc() -> Finding:
        found = ec2.describe_vpcs(VpcIds=[existing.vpc_id])["Vpcs"][0]
        blocks = {found["CidrBlock"], *(a["CidrBlock"] for a in found.get("CidrBlockAssociationSet", []))}
        if str(config.network.cidr) not in blocks:
            return Finding(
                "network", existing.vpc_id, BLOCKER, f"its CIDR blocks are {', '.join(sorted(blocks))}: set network.cidr to its own"
            )
        return Finding("network", existing.vpc_id, OK)

    yield checked_call("network", existing.vpc_id, "no such VPC in this account and region: check network.existing.vpc_id", vpc)
    ids = [*existing.private_subnet_ids, *existing.public_subnet_ids]
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(SubnetIds=ids)["Subnets"]}
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [existing.vpc_id]}])["RouteTables"]
    except (ClientError, BotoCoreError) as exc:  # one unknown id fails the whole call; AWS's message names it
        denied = _code(exc) in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
        status, help_ = (UNVERIFIED, "the credentials cannot describe subnets") if denied else (BLOCKER, "check network.existing")
        yield Finding("network", "subnets", status, f"{_code(exc)}: {help_} ({exc})")
        return
    for kind, subnet_ids in (("private", existing.private_subnet_ids), ("public", existing.public_subnet_ids)):
        for zone, subnet_id in zip(config.availability_zones, subnet_ids, strict=True):
            table = _route_table(tables, subnet_id)
            yield from _existing_subnet(config, subnets[subnet_id], table, vpc_id=existing.vpc_id, kind=kind, zone=zone)


def _route_table(tables: list[dict[str, Any]], subnet_id: str) -> dict[str, Any]:
    """The subnet's route table: its own association, or the VPC's main table."""
    for table in tables:
        if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
            return table
    return next((t for t in tables if any(a.get("Main") for a in t.get("Associations", []))), {"Routes": []})


def _existing_subnet(
    config: PlatformConfig, subnet: dict[str, Any], table: dict[str, Any], *, vpc_id: str, kind: str, zone: str
) -> Iterator[Finding]:
    subject = f"{kind} subnet {subnet['SubnetId']}"
    if subnet["VpcId"] != vpc_id:
        yield Finding("network", subject, BLOCKER, f"in {subnet['VpcId']}, not {vpc_id}")
        return
    if subnet["AvailabilityZone"] != zone:
        yield Finding("network", subject, BLOCKER, f"in {subnet['AvailabilityZone']}: list it in the position of its zone ({zone} here)")
        return
    default = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("State", "active") == "active"]
    to_internet = any(r.get("GatewayId", "").startswith("igw-") for r in default)
    if kind == "private" and to_internet:
        yield Finding(
            "network", subject, BLOCKER, "routes 0.0.0.0/0 to an internet gateway: not private (nodes, tasks and Fargate pods run here)"
        )
        return
    if kind == "public" and not to_internet:
        yield Finding(
            "network", subject, BLOCKER, "no route 0.0.0.0/0 to an internet gateway: an internet-facing load balancer would be unreachable"
        )
        return
    if kind == "private" and not default:
        yield Finding(
            "network", subject, WARNING, "no default route (NAT or transit gateway): tasks and nodes reach AWS only through VPC endpoints"
        )
    else:
        yield Finding("network", subject, OK)
    tags = {t["Key"]: t["Value"] for t in subnet.get("Tags", [])}
    wanted = {}
    if config.eks is not None:
        wanted["kubernetes.io/role/elb" if kind == "public" else "kubernetes.io/role/internal-elb"] = "1"
        if kind == "private" and config.eks.autoscaler == "karpenter":
            wanted["karpenter.sh/discovery"] = config.eks.cluster_name
    for key, value in wanted.items():
        if tags.get(key) != value:
            status = BLOCKER if key == "karpenter.sh/discovery" else WARNING
            why = "Karpenter finds its subnets by it" if status == BLOCKER else "EKS load balancing picks subnets by it"
            yield Finding(
                "subnet tag",
                f"{subject} {key}={value}",
                status,
                f"missing ({why}): the VPC's owner sets it; berth does not tag subnets it did not create",
            )


def check_ami(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    """Each capacity group's AMI: a pinned id exists in the region with the instance type's
    architecture (and, for a GPU group, is a GPU image); a tracked one's parameter exists."""
    for provider, capacity in config.ecs.cluster.ec2_groups.items():
        yield from _check_group_ami(config, provider, capacity, aws)


def _check_group_ami(config: PlatformConfig, provider: str, capacity: Ec2CapacityConfig, aws: Clients) -> Iterator[Finding]:
    host = instance_type(capacity.instance_type)
    arch = host.architecture if host else capacity.architecture
    group = "" if provider == "EC2" else f" ({provider})"
    if capacity.ami.id is not None:
        ami = capacity.ami.id

        def call() -> Finding:
            images = aws("ec2").describe_images(ImageIds=[ami])["Images"]
            if not images:
                return Finding("AMI", ami, BLOCKER, f"not found in {config.region}: AMI ids are per region")
            found = images[0].get("Architecture")
            if found != arch:
                return Finding("AMI", ami, BLOCKER, f"a {found} image; {capacity.instance_type} needs {arch}")
            name = str(images[0].get("Name", ""))
            if capacity.gpus and not re.search(r"gpu|nvidia", name, re.IGNORECASE):
                message = (
                    f"{name or 'an unnamed image'} does not look like a GPU image; {capacity.instance_type}'s GPUs need the NVIDIA "
                    "driver and runtime of the ECS GPU-optimized AMI (or Bottlerocket's aws-ecs-2-nvidia)"
                )
                return Finding("AMI", ami + group, WARNING, message)
            return Finding("AMI", ami + group, OK)

        yield checked_call("AMI", ami + group, f"not found in {config.region}: AMI ids are per region", call)
        return
    family = "bottlerocket" if capacity.os == "bottlerocket" else "al2023"
    name = tracked_ami_parameter(capacity.os, arch, gpu=capacity.gpus > 0)

    def tracked() -> Finding:
        aws("ssm").get_parameter(Name=name)
        return Finding("AMI parameter", name, OK)

    kind = f"{family} {'GPU ' if capacity.gpus else ''}{arch}"
    yield checked_call("AMI parameter", name, f"AWS publishes no {kind} ECS image parameter in {config.region}", tracked)


def _workloads(config: PlatformConfig) -> list[tuple[str, Any]]:
    return [(f"ecs.services[{s.name}]", s) for s in config.ecs.services] + [
        (f"ecs.scheduled_tasks[{t.name}]", t) for t in config.ecs.scheduled_tasks
    ]


def check_secrets(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    for field, workload in _workloads(config):
        for env_name, ref in workload.task.container.secrets.items():
            subject = f"{field} {env_name}"
            if ref.secrets_manager_arn:
                arn = ref.secrets_manager_arn
                region = arn.split(":")[3]

                def secret(arn: str = arn, region: str = region, subject: str = subject) -> Finding:
                    found = aws("secretsmanager", region).describe_secret(SecretId=arn)["ARN"]
                    if found != arn:  # a partial ARN (without the suffix) also resolves
                        return Finding("secret", subject, BLOCKER, f"resolves to {found}: use that complete ARN")
                    return Finding("secret", subject, OK)

                yield checked_call("secret", subject, f"{arn} does not exist: create it, or fix the ARN", secret)
            elif ref.ssm_parameter:
                name = ref.ssm_parameter

                def parameter(name: str = name, subject: str = subject) -> Finding:
                    found = aws("ssm").describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
                    if not found:
                        return Finding("SSM parameter", subject, BLOCKER, f"{name} does not exist in {config.region}: create it")
                    if found[0].get("Type") != "SecureString":
                        return Finding("SSM parameter", subject, WARNING, f"{name} is a {found[0].get('Type')}, not a SecureString")
                    return Finding("SSM parameter", subject, OK)

                yield checked_call("SSM parameter", subject, f"{name} cannot be read", parameter)


def check_domain(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    domain = config.ecs.domain
    if domain is None:
        return
    subject = f"{domain.zone_name} ({domain.hosted_zone_id})"

    def call() -> Finding:
        zone = aws("route53").get_hosted_zone(Id=domain.hosted_zone_id)["HostedZone"]
        name = zone["Name"].rstrip(".")
        if name != domain.zone_name:
            return Finding("hosted zone", subject, BLOCKER, f"this id is the zone {name}: fix ecs.domain")
        if zone.get("Config", {}).get("PrivateZone"):
            return Finding("hosted zone", subject, BLOCKER, "a private zone: ACM validates certificates through public DNS only")
        return Finding("hosted zone", subject, OK)

    yield checked_call("hosted zone", subject, "no such hosted zone in this account: fix ecs.domain.hosted_zone_id", call)


def check_certificates(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    for service in config.ecs.services:
        arn = service.load_balancer.certificate_arn if service.load_balancer else None
        if arn is None:
            continue
        yield _certificate(config, aws, f"ecs.services[{service.name}]", arn)
    for name in ("public", "internal"):
        shared = config.ecs.ingress.get(name)  # type: ignore[arg-type]
        if shared is not None and shared.certificate_arn is not None:
            yield _certificate(config, aws, f"ecs.ingress.{name}", shared.certificate_arn)


def _certificate(config: PlatformConfig, aws: Clients, subject: str, arn: str) -> Finding:
    region = arn.split(":")[3]
    if region != config.region:
        return Finding("certificate", subject, BLOCKER, f"in {region}; a load balancer in {config.region} needs a certificate there")

    def call() -> Finding:
        certificate = aws("acm").describe_certificate(CertificateArn=arn)["Certificate"]
        status = certificate.get("Status")
        if status != "ISSUED":
            return Finding("certificate", subject, BLOCKER, f"{status}: finish its DNS validation, or use an issued certificate")
        not_after = certificate.get("NotAfter")
        if isinstance(not_after, datetime) and not_after < datetime.now(UTC):
            return Finding("certificate", subject, BLOCKER, f"expired on {not_after:%Y-%m-%d}")
        names = ", ".join(certificate.get("SubjectAlternativeNames") or [certificate.get("DomainName", "")])
        return Finding("certificate", subject, OK, f"covers {names}")

    return checked_call("certificate", subject, f"{arn} does not exist in {region}", call)


def check_images(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    images = [(f"{field}.{name}" if name else field, image) for field, w in _workloads(config) for name, image in w.task.images()]
    for field, image in images:
        if image.build is not None:
            yield _built(field, image.build.directory)
            continue
        if image.created_repository is not None:
            name = repository_name(config.name, image.created_repository)
            match: dict[str, str] | re.Match[str] | None = {"account": config.account, "region": config.region, "name": name}
            help_ = f"is not in {name}: run `make deploy-images ENV={config.name}` (the first time), push it, then deploy"
        else:
            assert image.repository is not None
            match = _ECR.match(image.repository)
            help_ = "is not in the repository (or the repository does not exist): push it first"
        subject = f"{field} {image.repository or image.created_repository}"
        if match is None:
            yield Finding("image", subject, UNVERIFIED, "not an ECR repository: check the registry yourself")
            continue
        reference = {"imageDigest": image.digest} if image.digest else {"imageTag": image.tag}
        shown = image.digest or image.tag
        if match["account"] != config.account:
            yield Finding("image", subject, UNVERIFIED, f"a repository in account {match['account']}: check {shown} there")
            continue

        def call(match: Any = match, reference: dict[str, Any] = reference, shown: Any = shown, subject: str = subject) -> Finding:
            ecr = aws("ecr", match["region"])
            ecr.describe_images(registryId=match["account"], repositoryName=match["name"], imageIds=[reference])
            return Finding("image", subject, OK, str(shown))

        yield checked_call("image", subject, f"{shown} {help_}", call)


def _built(field: str, directory: str) -> Finding:
    """A built image needs Docker on the machine that deploys (cdk deploy builds and pushes it)."""
    subject = f"{field} built from {directory}"
    if shutil.which("docker") is None:
        return Finding("image", subject, WARNING, "cdk deploy builds this image with Docker, which this machine lacks")
    return Finding("image", subject, OK, "built and pushed by cdk deploy")


def check_log_destinations(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    """A log router's Firehose stream exists and is active: Fluent Bit cannot deliver otherwise
    (and the task starts anyway, its logs lost)."""
    for field, workload in _workloads(config):
        router = workload.task.log_router
        if router is None or router.firehose_delivery_stream_arn is None:
            continue
        arn = router.firehose_delivery_stream_arn
        region, name = arn.split(":")[3], arn.rsplit("/", 1)[-1]
        subject = f"{field}.log_router {name}"

        def call(region: str = region, name: str = name, subject: str = subject) -> Finding:
            stream = aws("firehose", region).describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
            status = stream.get("DeliveryStreamStatus")
            if status != "ACTIVE":
                return Finding("Firehose stream", subject, WARNING, f"{status}, not ACTIVE: logs are not delivered until it is")
            return Finding("Firehose stream", subject, OK)

        yield checked_call("Firehose stream", subject, f"{arn} does not exist: create it, or fix the ARN", call)


def check_device_plugins(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    """Accelerated node groups need a device plugin in the cluster before pods can ask for the
    devices. berth runs no kubectl, so it cannot install or see one: Bottlerocket's NVIDIA
    variants ship theirs; on AL2023 the team installs it
    (https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html)."""
    for group in config.eks.node_groups if config.eks else ():
        if group.accelerator is None:
            continue
        subject = f"eks.node_groups[{group.name}] ({group.ami_type})"
        if group.bottlerocket:
            yield Finding("device plugin", subject, OK, "Bottlerocket's NVIDIA variant runs NVIDIA's device plugin itself")
            continue
        plugin = "NVIDIA's k8s-device-plugin" if group.accelerator == "nvidia" else "the Neuron device plugin (and scheduler extension)"
        resource = "nvidia.com/gpu" if group.accelerator == "nvidia" else "aws.amazon.com/neuron"
        yield Finding(
            "device plugin",
            subject,
            UNVERIFIED,
            f"install {plugin} in the cluster (your GitOps, or an EKS capability): until it runs, pods asking for {resource} "
            "stay Pending; berth runs no kubectl and cannot check",
        )


def check_addons(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    if config.eks is None:
        return
    version = config.eks.version
    for name, pinned in sorted(config.eks.addons.items()):

        def call(name: str = name, pinned: str = pinned) -> Finding:
            offered = {
                v["addonVersion"]
                for addon in aws("eks").describe_addon_versions(addonName=name, kubernetesVersion=version)["addons"]
                for v in addon["addonVersions"]
            }
            if pinned not in offered:
                latest = sorted(offered)[-3:] if offered else []
                return Finding("add-on", f"{name} {pinned}", BLOCKER, f"not offered for Kubernetes {version}; offered include {latest}")
            return Finding("add-on", f"{name} {pinned}", OK)

        yield checked_call("add-on", f"{name} {pinned}", "cannot list the add-on's versions", call)


def check_github(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    """One GitHub OIDC provider per account: create it where none is, or use the one there."""
    github = config.github
    if github is None:
        return
    from botocore.exceptions import ClientError  # noqa: PLC0415

    arn = f"arn:{REGIONS[config.region]}:iam::{config.account}:oidc-provider/{GITHUB_OIDC_ISSUER}"

    def call() -> Finding:
        try:
            found = aws("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        except ClientError as exc:
            if _code(exc) != "NoSuchEntity":
                raise
            found = None
        tags = {t["Key"]: t["Value"] for t in (found or {}).get("Tags", [])}
        ours = tags.get("environment") == config.tags.environment and tags.get("project") == config.tags.project
        if github.create_oidc_provider and found is not None and not ours:
            help_ = "exists already (another environment's or the team's): set github.create_oidc_provider: false"
            return Finding("GitHub OIDC provider", arn, BLOCKER, help_)
        if not github.create_oidc_provider and found is None:
            help_ = "none in this account: set github.create_oidc_provider: true here, or deploy the environment that creates it"
            return Finding("GitHub OIDC provider", arn, BLOCKER, help_)
        return Finding("GitHub OIDC provider", arn, OK)

    yield checked_call("GitHub OIDC provider", arn, "cannot read IAM's OIDC providers", call)


def check_identity_center(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    """Argo CD signs people in through this instance (https://docs.aws.amazon.com/eks/latest/userguide/argocd.html)."""
    argo = config.eks.capabilities.argo_cd if config.eks else None
    if argo is None:
        return
    region = argo.identity_center_region or config.region
    arn = argo.identity_center_instance_arn

    def call() -> Finding:
        listed = {i["InstanceArn"] for i in aws("sso-admin", region).list_instances()["Instances"]}
        if arn in listed:
            return Finding("Identity Center", arn, OK)
        seen = ", ".join(sorted(listed)) or "none"
        why = f"not an instance this account lists in {region} (it lists: {seen})"
        return Finding(
            "Identity Center", arn, WARNING, f"{why}: fine for an organization's instance, else the Argo CD capability fails to create"
        )

    yield checked_call("Identity Center", arn, "cannot list Identity Center instances", call)


def check_bootstrap(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    def call() -> Finding:
        version = int(aws("ssm").get_parameter(Name=BOOTSTRAP_VERSION_PARAMETER)["Parameter"]["Value"])
        if version < MIN_BOOTSTRAP_VERSION:
            return Finding(
                "CDK bootstrap", f"version {version}", BLOCKER, f"run `make bootstrap ENV={config.name}` (needs {MIN_BOOTSTRAP_VERSION}+)"
            )
        return Finding("CDK bootstrap", f"version {version}", OK)

    yield checked_call(
        "CDK bootstrap", f"{config.account}/{config.region}", f"not bootstrapped: run `make bootstrap ENV={config.name}`", call
    )


BOOTSTRAP_STACK = "CDKToolkit"


def deploying_pipeline(env: str) -> PipelineConfig | None:
    """The pipeline config when config/pipeline.yaml deploys `env`."""
    if not PIPELINE_FILE.is_file():
        return None
    pipeline = load_pipeline_config(PIPELINE_FILE)
    return pipeline if env in pipeline.environments else None


def check_pipeline_trust(config: PlatformConfig, aws: Clients) -> Iterator[Finding]:
    try:
        pipeline = deploying_pipeline(config.name)
    except ConfigError as exc:
        yield Finding("pipeline trust", "config/pipeline.yaml", BLOCKER, str(exc).splitlines()[0])
        return
    if pipeline is None or pipeline.account == config.account:
        return  # not deployed by the pipeline, or from its own account (bootstrap roles trust their account)
    subject = f"{config.account}/{config.region} trusts {pipeline.account}"

    def call() -> Finding:
        (stack,) = aws("cloudformation").describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"]
        values = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}

        def listed(key: str) -> set[str]:
            return {v.strip() for v in values.get(key, "").split(",") if v.strip()}

        missing = [
            flag
            for flag, key, wanted in (
                ("--trust", "TrustedAccounts", {pipeline.account}),
                ("--trust-for-lookup", "TrustedAccountsForLookup", {pipeline.account}),
                ("--cloudformation-execution-policies", "CloudFormationExecutionPolicies", set(pipeline.execution_policies)),
            )
            if not wanted <= listed(key)
        ]
        if missing:
            return Finding(
                "pipeline trust", subject, BLOCKER, f"bootstrapped without {', '.join(missing)}: run `make bootstrap ENV={config.name}`"
            )
        return Finding("pipeline trust", subject, OK)

    yield checked_call("pipeline trust", subject, f"no {BOOTSTRAP_STACK} stack: run `make bootstrap ENV={config.name}`", call)


CHECKS: tuple[Callable[[PlatformConfig, Clients], Iterator[Finding]], ...] = (
    check_account,
    check_service_linked_roles,
    check_principals,
    check_zones,
    check_existing_network,
    check_ami,
    check_secrets,
    check_domain,
    check_certificates,
    check_images,
    check_log_destinations,
    check_device_plugins,
    check_addons,
    check_identity_center,
    check_github,
    check_bootstrap,
    check_pipeline_trust,
)


def preflight(config: PlatformConfig, aws: Clients) -> list[Finding]:
    """Every finding of every check; a check that cannot run at all is one 'cannot verify'."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    findings: list[Finding] = []
    for check in CHECKS:
        name = check.__name__.removeprefix("check_").replace("_", " ")
        try:
            findings += list(check(config, aws))
        except (BotoCoreError, ClientError) as exc:
            findings.append(Finding(name, "-", UNVERIFIED, f"{_code(exc)}: {exc}"))
    return findings


def assumed(session: Any, role_arn: str, region: str) -> Any:
    """A session with the credentials of `role_arn` (one hour, named for the preflight)."""
    import boto3  # noqa: PLC0415

    credentials = session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="berth-preflight")["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def render(findings: list[Finding]) -> str:
    widths = [max(len(getattr(f, col)) for f in findings) for col in ("check", "subject", "status")]
    lines = [f"{'check':{widths[0]}}  {'subject':{widths[1]}}  {'result':{widths[2]}}  help"]
    lines += [f"{f.check:{widths[0]}}  {f.subject:{widths[1]}}  {f.status:{widths[2]}}  {f.help}".rstrip() for f in findings]
    blockers = sum(f.status == BLOCKER for f in findings)
    unverified = sum(f.status == UNVERIFIED for f in findings)
    lines.append(f"\n{blockers} blocker(s), {unverified} not verifiable from here, {len(findings)} checks")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    config, args = environment_and_options(
        argv,
        "Check that the AWS account is ready for an environment's config.",
        lambda parser: parser.add_argument(
            "--assume-role", default=None, help="read the account as this role (the pipeline: the look-up role)"
        ),
    )
    import boto3  # noqa: PLC0415 - only this command needs the SDK

    session = boto3.Session(region_name=config.region)
    if args.assume_role:
        session = assumed(session, args.assume_role, config.region)
    findings = preflight(config, Clients(session, config.region))
    print(render(findings))
    return 1 if any(f.status == BLOCKER for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
