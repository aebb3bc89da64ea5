"""`make preflight` and `make bootstrap` against moto's in-process AWS: a pass and a fail for every check.

moto is an in-process mock: no network, no account. Where moto differs from AWS the tests
use what AWS returns (service-linked roles are made with AWS's names and paths; moto's
own CreateServiceLinkedRole names them differently, and bootstrap's look-up by path finds
both), and where moto lacks an API (EKS add-on versions) preflight says "cannot verify".
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from config import load_config
from config.models import PlatformConfig
from tests.factories import environment
from tests.tools.moto_support import moto_clients
from tools import bootstrap, preflight
from tools.aws_account import account_mismatch, service_linked_roles
from tools.preflight import BLOCKER, OK, UNVERIFIED, WARNING, Clients, Finding

REGION = "eu-west-1"
DEV = load_config("dev")
PROD = load_config("prod")


TOOLING = "444444444444"  # config/pipeline.yaml's tooling account, which deploys dev
EXECUTION_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
# What `cdk bootstrap` of an environment the pipeline deploys gets beyond the defaults.
TRUST_ARGS = ["--trust", TOOLING, "--trust-for-lookup", TOOLING, "--cloudformation-execution-policies", EXECUTION_POLICY]


class _CloudFormation:
    """The CDKToolkit stack as DescribeStacks returns it (moto's CloudFormation needs packages berth does not pin)."""

    def __init__(self, parameters: dict[str, str] | None) -> None:
        self._parameters = parameters

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 - botocore's argument name
        from botocore.exceptions import ClientError  # noqa: PLC0415

        if self._parameters is None:
            raise ClientError(
                {"Error": {"Code": "ValidationError", "Message": f"Stack with id {StackName} does not exist"}}, "DescribeStacks"
            )
        parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in self._parameters.items()]
        return {"Stacks": [{"StackName": StackName, "StackStatus": "UPDATE_COMPLETE", "Parameters": parameters}]}


def _bootstrap_stack(aws: Clients, *, trusted: str, lookup: str, policies: str) -> None:
    """The parameters `cdk bootstrap` records on the CDKToolkit stack, as the account's CloudFormation answers."""
    names = ("TrustedAccounts", "TrustedAccountsForLookup", "CloudFormationExecutionPolicies")
    aws._made[("cloudformation", REGION)] = _CloudFormation(dict(zip(names, (trusted, lookup, policies), strict=True)))


def _not_deployed_by_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    """For main(), whose clients are moto's: its CloudFormation is not installed (see _CloudFormation)."""
    monkeypatch.setattr(preflight, "deploying_pipeline", lambda env: None)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    with moto_clients(monkeypatch, DEV.account) as clients:
        yield clients


def _service_linked_roles(aws: Clients, config: PlatformConfig) -> None:
    """As AWS names them: /aws-service-role/<service>/<AWS's role name>."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    for role in service_linked_roles(config):
        aws("iam").create_role(RoleName=role.name, Path=f"/aws-service-role/{role.service}/", AssumeRolePolicyDocument=trust)


def _ready(aws: Clients, config: PlatformConfig) -> PlatformConfig:
    """Everything dev refers to, created; returns dev with the secret's real ARN (moto picks the suffix)."""
    _service_linked_roles(aws, config)
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    for arn in (*config.eks.access.admins, *config.eks.access.viewers) if config.eks else ():
        aws("iam").create_role(RoleName=arn.rsplit("/", 1)[1], AssumeRolePolicyDocument=trust)
    secret_arn = aws("secretsmanager").create_secret(Name="dev/web/db", SecretString="{}")["ARN"]
    aws("ssm").put_parameter(Name="/berth/dev/worker/queue-token", Value="t", Type="SecureString")
    aws("ssm").put_parameter(Name=preflight.BOOTSTRAP_VERSION_PARAMETER, Value="30", Type="String")
    _bootstrap_stack(aws, trusted=TOOLING, lookup=TOOLING, policies=EXECUTION_POLICY)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {}})
    workloads = (*config.ecs.services, *config.ecs.scheduled_tasks)
    for image in [image for w in workloads for _, image in w.task.images()]:
        if image.build is not None:
            continue  # built and pushed by cdk deploy
        name = f"berth/dev/{image.created_repository}" if image.created_repository else str(image.repository).split("/", 1)[1]
        aws("ecr").create_repository(repositoryName=name)
        aws("ecr").put_image(repositoryName=name, imageManifest=manifest, imageTag=image.tag)
    zone = _zone(aws, "dev.berth.example.com")
    return environment(config.name, {_SECRET: secret_arn, "ecs.domain.hosted_zone_id": zone})


def _zone(aws: Clients, name: str, *, private: bool = False) -> str:
    """A hosted zone's id as berth's config writes it (moto, like AWS, picks the id)."""
    vpc = {"VPCRegion": REGION, "VPCId": aws("ec2").create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]} if private else None
    extra: dict[str, Any] = {"VPC": vpc, "HostedZoneConfig": {"PrivateZone": True}} if private else {}
    created = aws("route53").create_hosted_zone(Name=name, CallerReference=f"{name}-{private}", **extra)
    return created["HostedZone"]["Id"].removeprefix("/hostedzone/")


_SECRET = "ecs.services[web].task.container.secrets.DATABASE_PASSWORD.secrets_manager_arn"


def _with_secret(config: PlatformConfig, arn: str) -> PlatformConfig:
    return environment(config.name, {_SECRET: arn})


def _by_check(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


def _statuses(findings: list[Finding], check: str) -> set[str]:
    return {f.status for f in _by_check(findings, check)}


def test_a_ready_account_has_no_blocker(aws: Clients) -> None:
    findings = preflight.preflight(_ready(aws, DEV), aws)
    assert [f for f in findings if f.status == BLOCKER] == []
    checks = {f.check for f in findings}
    assert checks >= {"account", "service-linked role", "access entry principal", "availability zone", "AMI parameter", "secret"}
    assert checks >= {"SSM parameter", "image", "CDK bootstrap"}
    assert "0 blocker(s)" in preflight.render(findings)


def test_an_empty_account_has_a_blocker_and_a_line_of_help_for_each(aws: Clients) -> None:
    aws._made[("cloudformation", REGION)] = _CloudFormation(None)
    findings = preflight.preflight(DEV, aws)
    blocked = {f.check for f in findings if f.status == BLOCKER}
    assert blocked == {
        "service-linked role",
        "access entry principal",
        "secret",
        "SSM parameter",
        "image",
        "hosted zone",
        "CDK bootstrap",
        "pipeline trust",
    }
    assert all(f.help for f in findings if f.status == BLOCKER)
    assert any("make bootstrap ENV=dev" in f.help for f in _by_check(findings, "service-linked role"))


def test_credentials_of_another_account(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    other = environment("dev", {"account": "999999999999"})
    (finding,) = list(preflight.check_account(other, aws))
    assert finding.status == BLOCKER
    assert "the credentials are for account 111111111111" in finding.help


def test_principal_in_another_account_cannot_be_verified(aws: Clients) -> None:
    config = environment("dev", {"eks.access.admins": ["arn:aws:iam::999999999999:role/admin"], "accept_warnings": ["other-account"]})
    findings = list(preflight.check_principals(config, aws))
    assert findings[0].status == UNVERIFIED


def test_permissions_boundary(aws: Clients) -> None:
    arn = f"arn:aws:iam::{DEV.account}:policy/berth-boundary"
    config = environment("dev", {"permissions_boundary": arn})
    assert _statuses(list(preflight.check_principals(config, aws)), "permissions boundary") == {BLOCKER}
    aws("iam").create_policy(
        PolicyName="berth-boundary",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )
    assert _statuses(list(preflight.check_principals(config, aws)), "permissions boundary") == {OK}


def test_availability_zone_the_account_does_not_have(aws: Clients) -> None:
    config = environment("dev", {"availability_zones": ["eu-west-1a", "eu-west-1d"]})
    findings = {f.subject: f.status for f in preflight.check_zones(config, aws)}
    assert findings == {"eu-west-1a": OK, "eu-west-1d": BLOCKER}


def _pinned(ami: str) -> PlatformConfig:
    return environment("dev", {"ecs.cluster.ec2_capacity.ami": {"id": ami}})


def _image(aws: Clients, architecture: str, name: str | None = None) -> str:
    """One of moto's public images of `architecture` (its RegisterImage ignores the architecture)."""
    filters = [{"Name": "architecture", "Values": [architecture]}] + ([{"Name": "name", "Values": [name]}] if name else [])
    images = aws("ec2").describe_images(Filters=filters)["Images"]
    return str(images[0]["ImageId"])


def _main_group(findings: list[Finding]) -> Finding:
    """The finding for ec2_capacity (EC2); the groups' subjects name them."""
    (main,) = [f for f in findings if "(gpu)" not in f.subject and "/gpu/" not in f.subject]
    return main


def test_pinned_ami_must_exist_with_the_instance_architecture(aws: Clients) -> None:
    missing = _main_group(list(preflight.check_ami(_pinned("ami-0a1b2c3d4e5f60789"), aws)))
    assert missing.status == BLOCKER
    wrong = _main_group(list(preflight.check_ami(_pinned(_image(aws, "x86_64")), aws)))
    assert wrong.status == BLOCKER
    assert "m7g.large needs arm64" in wrong.help
    right = _main_group(list(preflight.check_ami(_pinned(_image(aws, "arm64")), aws)))
    assert right.status == OK


def test_every_capacity_group_is_checked_and_the_gpu_group_reads_the_gpu_parameter(aws: Clients) -> None:
    findings = {f.subject: f.status for f in preflight.check_ami(DEV, aws)}
    assert findings == {
        "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id": OK,
        "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id": OK,
    }


def test_a_pinned_gpu_group_warns_when_the_image_is_not_a_gpu_image(aws: Clients) -> None:
    plain = _image(aws, "x86_64")
    name = aws("ec2").describe_images(ImageIds=[plain])["Images"][0].get("Name", "")
    assert "gpu" not in name.lower()
    config = environment("dev", {"ecs.cluster.ec2_capacity_groups[gpu].ami": {"id": plain}})
    (finding,) = [f for f in preflight.check_ami(config, aws) if f.subject.endswith("(gpu)")]
    assert finding.status == WARNING
    assert "does not look like a GPU image" in finding.help


def test_a_log_routers_firehose_stream_must_exist(aws: Clients) -> None:
    arn = f"arn:aws:firehose:{REGION}:{DEV.account}:deliverystream/ledger-logs"
    router = {"image": {"repository": "public.example/fluent-bit", "tag": "3"}, "firehose_delivery_stream_arn": arn}
    config = environment("dev", {"ecs.services[ledger].task.log_router": router})
    (missing,) = preflight.check_log_destinations(config, aws)
    assert missing.status == BLOCKER
    assert missing.subject == "ecs.services[ledger].log_router ledger-logs"
    aws("firehose").create_delivery_stream(
        DeliveryStreamName="ledger-logs",
        S3DestinationConfiguration={"RoleARN": f"arn:aws:iam::{DEV.account}:role/firehose", "BucketARN": "arn:aws:s3:::ledger-logs"},
    )
    (found,) = preflight.check_log_destinations(config, aws)
    assert found.status == OK
    assert list(preflight.check_log_destinations(DEV, aws)) == [], "dev's router writes to its log group: nothing to look up"


def test_secret_is_compared_by_its_exact_arn(aws: Clients) -> None:
    arn = aws("secretsmanager").create_secret(Name="dev/web/db", SecretString="{}")["ARN"]
    exact = {f.subject: f.status for f in preflight.check_secrets(_with_secret(DEV, arn), aws)}
    assert exact["ecs.services[web] DATABASE_PASSWORD"] == OK
    wrong_suffix = arn[:-6] + ("AAAAAA" if not arn.endswith("AAAAAA") else "BBBBBB")
    typo = {f.subject: f.status for f in preflight.check_secrets(_with_secret(DEV, wrong_suffix), aws)}
    assert typo["ecs.services[web] DATABASE_PASSWORD"] == BLOCKER


def _self_signed(domain: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM), pem_key


def _with_certificate(config: PlatformConfig, arn: str) -> PlatformConfig:
    return environment(config.name, {"ecs.services[web].load_balancer.certificate_arn": arn})


def test_certificate_must_be_issued_in_the_region(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", PROD.account)
    acm = aws("acm")
    pending = acm.request_certificate(DomainName="app.example.com")["CertificateArn"]  # moto: PENDING_VALIDATION
    (finding,) = preflight.check_certificates(_with_certificate(PROD, pending), aws)
    assert finding.status == BLOCKER
    assert "PENDING_VALIDATION" in finding.help
    certificate, key = _self_signed("app.example.com")
    issued = acm.import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
    (finding,) = preflight.check_certificates(_with_certificate(PROD, issued), aws)
    assert finding.status == OK
    assert "app.example.com" in finding.help
    elsewhere = issued.replace(":eu-west-1:", ":us-east-1:")
    (finding,) = preflight.check_certificates(_with_certificate(PROD, elsewhere), aws)
    assert finding.status == BLOCKER
    assert "needs a certificate there" in finding.help


def test_hosted_zone_must_exist_under_its_name_and_be_public(aws: Clients) -> None:
    def finding(zone_id: str) -> Finding:
        (found,) = preflight.check_domain(environment("dev", {"ecs.domain.hosted_zone_id": zone_id}), aws)
        return found

    assert finding(_zone(aws, "dev.berth.example.com")).status == OK
    other = finding(_zone(aws, "staging.berth.example.com"))
    assert (other.status, other.help) == (BLOCKER, "this id is the zone staging.berth.example.com: fix ecs.domain")
    private = finding(_zone(aws, "dev.berth.example.com", private=True))
    assert private.status == BLOCKER
    assert "public DNS only" in private.help
    assert finding("Z0MISSING00000000000000").status == BLOCKER


def test_image_tag_must_be_in_the_repository(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.shutil, "which", lambda name: f"/usr/bin/{name}")
    _ready(aws, DEV)
    assert {f.status for f in preflight.check_images(DEV, aws)} == {OK}
    config = environment("dev", {"ecs.services[web].task.container.image.tag": "9.9.9"})
    image = config.ecs.services[0].task.container.image
    statuses = {f.subject: f.status for f in preflight.check_images(config, aws)}
    assert statuses[f"ecs.services[web] {image.repository}"] == BLOCKER


def test_add_on_versions_moto_cannot_answer_are_not_verified(aws: Clients) -> None:
    assert {f.status for f in preflight.check_addons(PROD, aws)} == {UNVERIFIED}


def test_old_bootstrap_version_is_a_blocker(aws: Clients) -> None:
    aws("ssm").put_parameter(Name=preflight.BOOTSTRAP_VERSION_PARAMETER, Value="5", Type="String")
    (finding,) = preflight.check_bootstrap(DEV, aws)
    assert finding.status == BLOCKER


def test_an_environment_the_pipeline_deploys_must_trust_the_tooling_account(aws: Clients) -> None:
    _bootstrap_stack(aws, trusted=TOOLING, lookup="", policies=EXECUTION_POLICY)
    (finding,) = preflight.check_pipeline_trust(DEV, aws)
    assert finding.status == BLOCKER
    assert finding.help == "bootstrapped without --trust-for-lookup: run `make bootstrap ENV=dev`"


def test_trust_with_other_execution_policies_is_a_blocker(aws: Clients) -> None:
    _bootstrap_stack(aws, trusted=f"999999999999,{TOOLING}", lookup=TOOLING, policies="arn:aws:iam::aws:policy/ReadOnlyAccess")
    (finding,) = preflight.check_pipeline_trust(DEV, aws)
    assert finding.status == BLOCKER
    assert "--cloudformation-execution-policies" in finding.help


def test_trust_as_bootstrapped_by_make_bootstrap_passes(aws: Clients) -> None:
    _bootstrap_stack(aws, trusted=f"999999999999,{TOOLING}", lookup=TOOLING, policies=EXECUTION_POLICY)
    (finding,) = preflight.check_pipeline_trust(DEV, aws)
    assert finding == Finding("pipeline trust", f"{DEV.account}/{DEV.region} trusts {TOOLING}", OK)


def test_an_account_never_bootstrapped_says_how(aws: Clients) -> None:
    aws._made[("cloudformation", REGION)] = _CloudFormation(None)
    (finding,) = preflight.check_pipeline_trust(DEV, aws)
    assert finding.status == BLOCKER
    assert "make bootstrap ENV=dev" in finding.help


def test_an_environment_outside_the_pipeline_needs_no_trust(aws: Clients) -> None:
    assert list(preflight.check_pipeline_trust(environment("dev", {"name": "sandbox"}), aws)) == []


def test_the_bootstrap_trusts_the_tooling_account_for_the_pipelines_environments() -> None:
    from config.pipeline_loader import load_pipeline_config  # noqa: PLC0415

    pipeline = load_pipeline_config()
    assert bootstrap.cdk_bootstrap_args(DEV, pipeline) == TRUST_ARGS
    assert bootstrap.cdk_bootstrap_args(environment("dev", {"name": "sandbox"}), pipeline) == []
    assert bootstrap.cdk_bootstrap_args(environment("dev", {"account": TOOLING}), pipeline) == [], "its own account trusts itself"


def test_the_tooling_account_is_bootstrapped_in_every_region_it_deploys_to() -> None:
    from config.pipeline_loader import load_pipeline_config  # noqa: PLC0415

    pipeline = load_pipeline_config()
    us = environment("dev", {"region": "us-east-1", "availability_zones": ["us-east-1a", "us-east-1b"]})
    assert bootstrap.tooling_environments(pipeline, {"dev": DEV, "us": us}) == [f"aws://{TOOLING}/eu-west-1", f"aws://{TOOLING}/us-east-1"]


def test_preflight_reads_the_account_as_the_role_it_is_given(aws: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline's preflight step passes the target's look-up role: the checks run with its credentials."""
    import boto3  # noqa: PLC0415

    session = boto3.Session(region_name=REGION)
    assumed = preflight.assumed(session, f"arn:aws:iam::{DEV.account}:role/cdk-hnb659fds-lookup-role-{DEV.account}-{REGION}", REGION)
    assert assumed.get_credentials().token, "temporary credentials from sts:AssumeRole"
    calls: list[str] = []
    monkeypatch.setattr(preflight, "assumed", lambda s, arn, region: calls.append(arn) or s)
    _not_deployed_by_the_pipeline(monkeypatch)
    preflight.main(["--env", "dev", "--assume-role", "arn:aws:iam::111111111111:role/r"])
    assert calls == ["arn:aws:iam::111111111111:role/r"]


def test_main_exits_1_on_a_blocker(aws: Clients, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _not_deployed_by_the_pipeline(monkeypatch)
    assert preflight.main(["--env", "dev"]) == 1
    out = capsys.readouterr().out
    assert "BLOCKER" in out
    assert "blocker(s)" in out


# --- bootstrap ------------------------------------------------------------------------------


def test_bootstrap_creates_the_missing_roles_once(aws: Clients) -> None:
    iam: Any = aws("iam")
    first = bootstrap.ensure_service_linked_roles(PROD, iam)
    assert {state for _, state, _ in first} == {"created"}
    assert {service for service, _, _ in first} >= {"ecs.amazonaws.com", "eks.amazonaws.com", "autoscaling.amazonaws.com"}
    second = bootstrap.ensure_service_linked_roles(PROD, iam)
    assert {state for _, state, _ in second} == {"present"}  # found by path, whatever moto named them


def test_bootstrap_leaves_existing_roles_alone(aws: Clients) -> None:
    _service_linked_roles(aws, DEV)
    done = bootstrap.ensure_service_linked_roles(DEV, aws("iam"))
    assert {state for _, state, _ in done} == {"present"}
    assert all(arn.endswith(f"/{role.name}") for (_, _, arn), role in zip(done, service_linked_roles(DEV), strict=True))


def test_bootstrap_refuses_credentials_of_another_account(aws: Clients) -> None:
    assert account_mismatch(PROD, aws("sts")) == "the credentials are for account 111111111111; environment 'prod' is account 222222222222"
    assert account_mismatch(DEV, aws("sts")) is None


def test_a_built_image_needs_docker_where_the_deploy_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.shutil, "which", lambda name: None)
    finding = preflight._built("ecs.scheduled_tasks[nightly-report]", "images/report")
    assert (finding.status, finding.help) == (WARNING, "cdk deploy builds this image with Docker, which this machine lacks")


def test_an_image_in_a_repository_berth_creates_says_how_to_get_it_there(aws: Clients) -> None:
    (finding,) = [f for f in preflight.check_images(DEV, aws) if "services[api]" in f.subject]
    assert finding.status == BLOCKER
    assert "make deploy-images ENV=dev" in finding.help


def test_accelerated_node_groups_name_the_device_plugin_the_team_installs(aws: Clients) -> None:
    findings = {f.subject: f for f in preflight.check_device_plugins(PROD, aws)}
    assert set(findings) == {"eks.node_groups[gpu] (AL2023_X86_64_NVIDIA)", "eks.node_groups[inference] (AL2023_X86_64_NEURON)"}
    assert all(f.status == UNVERIFIED for f in findings.values())
    assert "NVIDIA's k8s-device-plugin" in findings["eks.node_groups[gpu] (AL2023_X86_64_NVIDIA)"].help
    assert "Neuron device plugin" in findings["eks.node_groups[inference] (AL2023_X86_64_NEURON)"].help
    bottlerocket = environment(
        "prod", {"eks.node_groups[gpu].ami_type": "BOTTLEROCKET_X86_64_NVIDIA", "eks.node_groups[gpu].release_version": "1.51.0-47438798"}
    )
    (gpu, _) = sorted(preflight.check_device_plugins(bottlerocket, aws), key=lambda f: f.subject)
    assert gpu.status == OK
    assert list(preflight.check_device_plugins(DEV, aws)) == [], "Auto Mode handles accelerators itself"


def test_argo_cds_identity_center_instance_is_one_the_account_lists(aws: Clients) -> None:
    """moto's account lists one instance of its own: prod's is not it (a warning: an
    organization's instance may be managed elsewhere); named, it passes."""
    (unlisted,) = preflight.check_identity_center(PROD, aws)
    assert unlisted.status == WARNING
    assert "fine for an organization's instance" in unlisted.help
    (instance,) = aws("sso-admin").list_instances()["Instances"]
    listed = environment("prod", {"eks.capabilities.argo_cd.identity_center_instance_arn": instance["InstanceArn"]})
    assert [f.status for f in preflight.check_identity_center(listed, aws)] == [OK]
    assert list(preflight.check_identity_center(DEV, aws)) == []


def test_the_github_oidc_provider_is_created_once_per_account(aws: Clients) -> None:
    """IAM holds one provider per URL: create it where none is, use it where one is."""
    assert [f.status for f in preflight.check_github(DEV, aws)] == [OK]  # none yet: dev creates it
    iam = aws("iam")
    url = f"https://{preflight.GITHUB_OIDC_ISSUER}"
    arn = iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])[
        "OpenIDConnectProviderArn"
    ]
    (taken,) = preflight.check_github(DEV, aws)
    assert taken.status == BLOCKER
    assert "set github.create_oidc_provider: false" in taken.help
    shared = environment("dev", {"github.create_oidc_provider": False})
    assert [f.status for f in preflight.check_github(shared, aws)] == [OK]
    tags = [{"Key": "environment", "Value": "dev"}, {"Key": "project", "Value": "berth"}]
    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=tags)
    assert [f.status for f in preflight.check_github(DEV, aws)] == [OK], "dev's own provider, from its earlier deploy"
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    (missing,) = preflight.check_github(shared, aws)
    assert (missing.status, "none in this account" in missing.help) == (BLOCKER, True)


def test_make_bootstrap_reads_its_arguments_from_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """What the Makefile passes to `cdk bootstrap`: `python -m tools.bootstrap --env ENV --cdk-args`, and `--tooling`."""
    assert bootstrap.main(["--env", "dev", "--cdk-args"]) == 0
    assert capsys.readouterr().out.split() == TRUST_ARGS
    assert bootstrap.main(["--tooling"]) == 0
    assert capsys.readouterr().out.split() == [f"aws://{TOOLING}/eu-west-1"]
