"""The rehearsal catches deploy bugs: each test injects one into dev's synthesized templates
and sees the emulator (with berth's extension) refuse it the way AWS would.

Slow (an emulator, the real CLI for the baseline): run by `make rehearse-test`, not by
`make test`. The baseline is dev deployed once through the CDK CLI (which publishes the
assets); each bug is then a stack created or updated through the CloudFormation API with
one mutated template, and must fail with the reason AWS gives.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config import load_config
from stacks.context import project_context
from stacks.platform import build_app
from tools.rehearsal import run

pytestmark = pytest.mark.rehearsal

Template = dict[str, Any]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("rehearsal-dev")
    build_app(load_config("dev"), outdir=str(outdir), context=project_context()).synth()
    return outdir


@pytest.fixture(scope="module")
def cloudformation(dev: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The emulator with dev deployed by the CLI, then its ECS stack destroyed (its names are
    free again for the bug stacks; its assets stay published)."""
    config = load_config("dev")
    workdir = tmp_path_factory.mktemp("rehearsal-emulator")
    with run.emulator(config, workdir) as aws:
        run.cdk(aws, workdir, "bootstrap", "bootstrap", f"aws://{config.account}/{config.region}")
        run.publish_images_built_elsewhere(aws, {dev}, config.account, config.region)
        run.cdk(aws, workdir, "deploy", "deploy", "--all", "--app", str(dev), "--require-approval", "never")
        run.cdk(aws, workdir, "destroy ecs", "destroy", "berth-dev-ecs", "--app", str(dev), "--force")
        api = Api(
            run.emulator_client(aws, "cloudformation"),
            run.emulator_client(aws, "s3"),
            f"cdk-hnb659fds-assets-{config.account}-{config.region}",
            config.region,
        )
        api.eks = run.emulator_client(aws, "eks")
        yield api


class Api:
    """CloudFormation on the emulator; templates go through the bootstrap bucket (as the CLI
    sends them: a stack template may be 1 MB by URL, 51,200 bytes in the request)."""

    def __init__(self, cloudformation: Api, s3: Any, bucket: str, region: str) -> None:
        self.cfn, self._s3, self._bucket, self._region = cloudformation, s3, bucket, region
        self.eks: Any = None

    def template_url(self, template: Template) -> str:
        key = f"rehearsal/{time.monotonic_ns()}.json"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=json.dumps(template).encode())
        return f"https://s3.{self._region}.amazonaws.com/{self._bucket}/{key}"


def _template(dev: Path, stack: str) -> Template:
    return json.loads((dev / f"{stack}.template.json").read_text())


def _parameters(template: Template) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v["Default"]} for k, v in template.get("Parameters", {}).items() if "Default" in v]


def _wait(api: Api, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        stack = api.cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS"):
            return stack
        time.sleep(0.5)
    raise AssertionError(f"{name} did not settle")


def _failure_reasons(api: Api, name: str) -> str:
    pages = api.cfn.get_paginator("describe_stack_events").paginate(StackName=name)
    events = [e for page in pages for e in page["StackEvents"]]
    return "\n".join(e.get("ResourceStatusReason", "") for e in events if e.get("ResourceStatusReason"))


def _create(api: Api, name: str, template: Template) -> tuple[str, str]:
    api.cfn.create_stack(
        StackName=name, TemplateURL=api.template_url(template), Parameters=_parameters(template), Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    status = _wait(api, name)["StackStatus"]
    reasons = _failure_reasons(api, name)
    api.cfn.delete_stack(StackName=name)
    _wait_deleted(api, name)
    return status, reasons


def _update(api: Api, name: str, template: Template) -> None:
    api.cfn.update_stack(
        StackName=name, TemplateURL=api.template_url(template), Parameters=_parameters(template), Capabilities=["CAPABILITY_NAMED_IAM"]
    )


def _wait_deleted(api: Api, name: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        stacks = api.cfn.list_stacks()["StackSummaries"]
        if all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks if s["StackName"] == name):
            return
        time.sleep(0.5)


def _resources(template: Template, type_: str) -> list[tuple[str, dict[str, Any]]]:
    return [(k, v) for k, v in template["Resources"].items() if v["Type"] == type_]


# --- the bugs -------------------------------------------------------------------------------


def _key_without_logs(template: Template) -> None:
    (_, key), *_ = _resources(template, "AWS::KMS::Key")
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    key["Properties"]["KeyPolicy"]["Statement"] = [s for s in statements if "logs." not in json.dumps(s.get("Principal"))]


def _key_naming_a_missing_role(template: Template) -> None:
    (_, key), *_ = _resources(template, "AWS::KMS::Key")
    key["Properties"]["KeyPolicy"]["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/no-such-role"}, "Action": "kms:Decrypt", "Resource": "*"}
    )


def _secret_typo(template: Template) -> None:
    text = json.dumps(template).replace("secret:dev/web/db-AbCdEf", "secret:dev/web/db-AbCdEg")
    template.clear()
    template.update(json.loads(text))


def _inline_policy_too_large(template: Template) -> None:
    (_, policy), *_ = _resources(template, "AWS::IAM::Policy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    statements += [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::berth-dev-bucket-{i:04d}/some/long/prefix/*"}
        for i in range(200)
    ]


def _log_bucket_without_elb(template: Template) -> None:
    for _, policy in _resources(template, "AWS::S3::BucketPolicy"):
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        policy["Properties"]["PolicyDocument"]["Statement"] = [s for s in statements if "156460612806" not in json.dumps(s)]


def _two_rules_one_priority(template: Template) -> None:
    rules = dict(_resources(template, "AWS::ElasticLoadBalancingV2::ListenerRule"))
    rules["ApiServiceRoute035F534F"]["Properties"]["Priority"] = rules["WebServiceRouteFE1E1208"]["Properties"]["Priority"]


def _host_outside_the_zone(template: Template) -> None:
    for _, record in _resources(template, "AWS::Route53::RecordSet"):
        record["Properties"]["Name"] = record["Properties"]["Name"].replace("berth.example.com", "example.org")


def _certificate_validated_in_a_missing_zone(template: Template) -> None:
    for _, certificate in _resources(template, "AWS::CertificateManager::Certificate"):
        for option in certificate["Properties"]["DomainValidationOptions"]:
            option["HostedZoneId"] = "Z0NOSUCHZONE0000000000"


def _deployment_role_ecs_cannot_assume(template: Template) -> None:
    for name, role in _resources(template, "AWS::IAM::Role"):
        if name.startswith("ApiServiceDeploymentRole"):
            role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = {"Service": "ecs-tasks.amazonaws.com"}


def _service_connect_port_name_typo(template: Template) -> None:
    for name, service in _resources(template, "AWS::ECS::Service"):
        if name.startswith("LedgerService"):
            service["Properties"]["ServiceConnectConfiguration"]["Services"][0]["PortName"] = "http"


BUGS: list[tuple[str, Callable[[Template], None], str]] = [
    ("key-without-the-logs-principal", _key_without_logs, "is not allowed to be used with LogGroup"),
    ("key-naming-a-missing-principal", _key_naming_a_missing_role, "MalformedPolicyDocumentException"),
    ("typo-in-a-secret-arn", _secret_typo, "unable to retrieve secret"),
    ("inline-policy-over-10240-characters", _inline_policy_too_large, "LimitExceeded"),
    ("alb-log-bucket-policy-without-the-elb-account", _log_bucket_without_elb, "Access Denied for bucket"),
    ("two-listener-rules-with-one-priority", _two_rules_one_priority, "PriorityInUse"),
    ("alias-record-outside-the-hosted-zone", _host_outside_the_zone, "is not permitted in zone"),
    ("certificate-validated-in-a-missing-zone", _certificate_validated_in_a_missing_zone, "NoSuchHostedZone"),
    ("canary-deployment-role-ecs-cannot-assume", _deployment_role_ecs_cannot_assume, "cannot be assumed by ecs.amazonaws.com"),
    ("service-connect-port-name-not-in-the-task", _service_connect_port_name_typo, "is not a port mapping of the task definition"),
]


def test_the_unchanged_template_deploys(cloudformation: Api, dev: Path) -> None:
    """The control: without a bug, the same path succeeds (so each failure below is the bug's)."""
    status, reasons = _create(cloudformation, "berth-dev-ecs", _template(dev, "berth-dev-ecs"))
    assert status == "CREATE_COMPLETE", reasons


@pytest.mark.parametrize(("inject", "reason"), [(b[1], b[2]) for b in BUGS], ids=[b[0] for b in BUGS])
def test_injected_bug_fails_the_create(cloudformation: Api, dev: Path, inject: Callable[[Template], None], reason: str) -> None:
    template = copy.deepcopy(_template(dev, "berth-dev-ecs"))
    inject(template)
    status, reasons = _create(cloudformation, "berth-dev-ecs", template)
    assert status in ("ROLLBACK_COMPLETE", "CREATE_FAILED", "ROLLBACK_FAILED"), status
    assert reason in reasons, reasons


def test_replacing_a_custom_named_cluster_is_refused(cloudformation: Api, dev: Path) -> None:
    """An update that changes a create-only property of the named EKS cluster."""
    template = copy.deepcopy(_template(dev, "berth-dev-eks"))
    (_, cluster), *_ = _resources(template, "AWS::EKS::Cluster")
    cluster["Properties"]["KubernetesNetworkConfig"] = {"ServiceIpv4Cidr": "172.21.0.0/16"}
    _update(cloudformation, "berth-dev-eks", template)
    stack = _wait(cloudformation, "berth-dev-eks")
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "custom-named resource requires replacing" in _failure_reasons(cloudformation, "berth-dev-eks")


def test_access_entry_for_a_principal_that_does_not_exist_is_refused(cloudformation: Api, dev: Path) -> None:
    """Defect 3 of issue 10: EKS refuses the entry after the cluster exists, and the stack rolls back."""
    template = copy.deepcopy(_template(dev, "berth-dev-eks"))
    (_, entry), *_ = _resources(template, "AWS::EKS::AccessEntry")
    missing = copy.deepcopy(entry)
    missing["Properties"]["PrincipalArn"] = "arn:aws:iam::111111111111:role/no-such-admin"
    template["Resources"]["MissingAdmin"] = missing
    _update(cloudformation, "berth-dev-eks", template)
    assert _wait(cloudformation, "berth-dev-eks")["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "invalid principal" in _failure_reasons(cloudformation, "berth-dev-eks")


def test_an_argo_cd_capability_given_an_endpoint_that_does_not_exist_is_refused(cloudformation: Api, dev: Path) -> None:
    """Argo CD's private access names VPC endpoints; one that does not exist fails the capability
    (berth creates its endpoint in the same stack and references it, so CloudFormation orders them)."""
    template = copy.deepcopy(_template(dev, "berth-dev-eks"))
    (cluster_id, _), *_ = _resources(template, "AWS::EKS::Cluster")
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "capabilities.eks.amazonaws.com"},
                        "Action": ["sts:AssumeRole", "sts:TagSession"],
                    }
                ],
            }
        },
    }
    capability = {
        "Type": "AWS::EKS::Capability",
        "Properties": {
            "CapabilityName": "argocd",
            "ClusterName": {"Ref": cluster_id},
            "Type": "ARGOCD",
            "RoleArn": {"Fn::GetAtt": ["ArgoRole", "Arn"]},
            "DeletePropagationPolicy": "RETAIN",
            "Configuration": {
                "ArgoCd": {
                    "AwsIdc": {"IdcInstanceArn": "arn:aws:sso:::instance/ssoins-7223b6e5d1f0a1b2"},
                    "NetworkAccess": {"VpceIds": ["vpce-0123456789abcdef0"]},
                }
            },
        },
        "DependsOn": ["ArgoRole"],
    }
    template["Resources"].update(ArgoRole=role, ArgoCapability=capability)
    _update(cloudformation, "berth-dev-eks", template)
    assert _wait(cloudformation, "berth-dev-eks")["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "VPC endpoint vpce-0123456789abcdef0 does not exist" in _failure_reasons(cloudformation, "berth-dev-eks")


def test_a_protected_cluster_is_not_deleted_until_an_update_turns_protection_off(cloudformation: Api, dev: Path) -> None:
    """Issue 15: deletion protection blocks a rollback's or a teardown's DeleteCluster, from
    CloudFormation and from the API alike; hence the unprotected first deploy, and the
    "protections off" deploy before a teardown. Last in this module: it leaves the stack
    DELETE_FAILED, as AWS would."""
    template = copy.deepcopy(_template(dev, "berth-dev-eks"))
    (_, cluster), *_ = _resources(template, "AWS::EKS::Cluster")
    assert cluster["Properties"]["DeletionProtection"] is False, "dev opts out"
    cluster["Properties"]["DeletionProtection"] = True
    _update(cloudformation, "berth-dev-eks", template)
    assert _wait(cloudformation, "berth-dev-eks")["StackStatus"] == "UPDATE_COMPLETE"
    name = cluster["Properties"]["Name"]
    with pytest.raises(Exception, match="deletion protection enabled"):
        cloudformation.eks.delete_cluster(name=name)
    cloudformation.cfn.delete_stack(StackName="berth-dev-eks")
    assert _wait(cloudformation, "berth-dev-eks")["StackStatus"] == "DELETE_FAILED"
    assert "deletion protection enabled" in _failure_reasons(cloudformation, "berth-dev-eks")
