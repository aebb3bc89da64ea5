"""The delivery pipeline, read from its synthesized templates.

Two pipelines: the shipped one (config/pipeline.yaml: dev, qa, prod) and a three-account,
two-region example (tests/pipeline_support.py: staging, qa, then live in eu-west-1 and
us-east-1 as one wave with an approval).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.assembly import Assembly
from tests.nag_support import assert_acknowledgments_finding_level_with_reasons, assert_every_acknowledgment_used, assert_no_findings
from tests.pipeline_support import EXAMPLE_TARGETS, TOOLING

EXAMPLE_STACK = "delivery-pipeline"


def _resources(assembly: Assembly, stack: str, type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in assembly.template_json(stack)["Resources"].items() if v["Type"] == type_}


def _stages(assembly: Assembly, stack: str) -> list[dict[str, Any]]:
    (pipeline,) = _resources(assembly, stack, "AWS::CodePipeline::Pipeline").values()
    return pipeline["Properties"]["Stages"]


def _stage(assembly: Assembly, stack: str, name: str) -> list[dict[str, Any]]:
    (stage,) = [s for s in _stages(assembly, stack) if s["Name"] == name]
    return stage["Actions"]


def _order(actions: list[dict[str, Any]], name: str) -> int:
    (action,) = [a for a in actions if a["Name"] == name]
    return int(action["RunOrder"])


def _deploys(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in actions if a["ActionTypeId"]["Provider"] == "CloudFormation"]


def _text(value: Any) -> str:
    """A template string, its references written <LogicalId> (a buildspec with the bucket's name is a Fn::Join)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        delimiter, parts = value["Fn::Join"]
        return delimiter.join(_text(p) for p in parts)
    return f"<{value.get('Ref') or '.'.join(value['Fn::GetAtt'])}>"


def _buildspec(assembly: Assembly, stack: str, action: dict[str, Any]) -> dict[str, Any]:
    project = action["Configuration"]["ProjectName"]["Ref"]
    return json.loads(_text(assembly.template_json(stack)["Resources"][project]["Properties"]["Source"]["BuildSpec"]))


def _commands(assembly: Assembly, stack: str, actions: list[dict[str, Any]], name: str) -> list[str]:
    (action,) = [a for a in actions if a["Name"] == name]
    return _buildspec(assembly, stack, action)["phases"]["build"]["commands"]


def test_every_environment_deploys_the_templates_make_synth_writes(pipeline: Assembly, assemblies: dict[str, Assembly]) -> None:
    """The design point: each environment in the pipeline is byte for byte what `make synth` writes."""
    for env, alone in assemblies.items():
        nested = pipeline.outdir / f"assembly-{env}"
        assert sorted(p.name for p in nested.glob("*.template.json")) == [f"{s}.template.json" for s in alone.stack_names], env
        for stack in alone.stack_names:
            assert (nested / f"{stack}.template.json").read_bytes() == (alone.outdir / f"{stack}.template.json").read_bytes(), stack


def test_the_shipped_pipeline_deploys_dev_then_qa_then_prod(pipeline: Assembly) -> None:
    names = [s["Name"] for s in _stages(pipeline, "berth-pipeline")]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "dev", "qa", "prod"]
    prod = _stage(pipeline, "berth-pipeline", "prod")
    assert _order(prod, "Review-prod") < _order(prod, "Approve-prod") < _order(prod, "Preflight-prod")


def test_stages_follow_the_configured_waves(pipeline_example: Assembly) -> None:
    names = [s["Name"] for s in _stages(pipeline_example, EXAMPLE_STACK)]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "staging", "qa", "live"]


def test_the_tests_and_the_rehearsal_run_before_the_first_deploy(pipeline_example: Assembly) -> None:
    staging = _stage(pipeline_example, EXAMPLE_STACK, "staging")
    first_deploy = min(int(a["RunOrder"]) for a in _deploys(staging))
    assert _order(staging, "Test") < _order(staging, "Preflight-staging") < first_deploy
    assert _order(staging, "Rehearse") < first_deploy
    assert _commands(pipeline_example, EXAMPLE_STACK, staging, "Test") == ["make test"]
    rehearse = _commands(pipeline_example, EXAMPLE_STACK, staging, "Rehearse")
    assert rehearse == ["make rehearse-test", *(f"make rehearse ENV={env}" for env in EXAMPLE_TARGETS)]
    for later in ("qa", "live"):
        assert not {"Test", "Rehearse"} & {a["Name"] for a in _stage(pipeline_example, EXAMPLE_STACK, later)}


@pytest.mark.parametrize("env", EXAMPLE_TARGETS)
def test_preflight_runs_before_each_environment_as_its_look_up_role(pipeline_example: Assembly, env: str) -> None:
    account, region, _ = EXAMPLE_TARGETS[env]
    wave = "live" if env.startswith("live") else env
    actions = _stage(pipeline_example, EXAMPLE_STACK, wave)
    prefix = f"{env}." if wave == "live" else ""
    mine = [a for a in _deploys(actions) if a["Name"].startswith(f"{prefix}berth-{env}-")]
    assert mine, env
    assert _order(actions, f"{prefix}Preflight-{env}") < min(int(a["RunOrder"]) for a in mine)
    (preflight,) = [a for a in actions if a["Name"] == f"{prefix}Preflight-{env}"]
    role = f"cdk-hnb659fds-lookup-role-{account}-{region}"
    assert _buildspec(pipeline_example, EXAMPLE_STACK, preflight)["phases"]["build"]["commands"] == [
        f'make preflight ENV={env} ASSUME_ROLE="$LOOKUP_ROLE_ARN"'
    ]
    project = pipeline_example.template_json(EXAMPLE_STACK)["Resources"][preflight["Configuration"]["ProjectName"]["Ref"]]
    variables = {v["Name"]: v["Value"] for v in project["Properties"]["Environment"]["EnvironmentVariables"]}
    assert variables["LOOKUP_ROLE_ARN"] == f"arn:aws:iam::{account}:role/{role}"
    assumed = [
        s
        for p in _resources(pipeline_example, EXAMPLE_STACK, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "sts:AssumeRole" and role in json.dumps(s["Resource"])
    ]
    assert len(assumed) == 1, "only the preflight of this environment may assume its look-up role"


def test_a_wave_deploys_its_environments_together_each_in_its_account_and_region(pipeline_example: Assembly) -> None:
    live = _deploys(_stage(pipeline_example, EXAMPLE_STACK, "live"))
    for env in ("live", "live-us"):
        account, region, _ = EXAMPLE_TARGETS[env]
        mine = [a for a in live if a["Name"].startswith(f"{env}.berth-{env}-")]
        assert {a.get("Region", "eu-west-1") for a in mine} == {region}
        assert {json.dumps(a["RoleArn"]).split(":iam::")[1][:-4] for a in mine} == {
            f"{account}:role/cdk-hnb659fds-deploy-role-{account}-{region}"
        }
    orders = {env: sorted({int(a["RunOrder"]) for a in live if a["Name"].startswith(f"{env}.")}) for env in ("live", "live-us")}
    assert orders["live"] == orders["live-us"], "the two regions deploy side by side"


def test_the_approval_waits_for_the_review_against_what_the_wave_last_deployed(pipeline_example: Assembly) -> None:
    live = _stage(pipeline_example, EXAMPLE_STACK, "live")
    assert _order(live, "Review-live") < _order(live, "Approve-live") < _order(live, "live.Preflight-live")
    assert _order(live, "Record-live") > max(int(a["RunOrder"]) for a in _deploys(live))
    parameter = "/delivery/pipeline/live/deployed-commit"
    review = _commands(pipeline_example, EXAMPLE_STACK, live, "Review-live")
    assert f"--name {parameter}" in review[0]
    assert 'make review BASE="$BASE" REVIEW_ARGS="--environments live live-us"' in review
    assert review[-1].startswith("aws s3 cp review.md ")
    assert review[-1].endswith('/reviews/delivery/live/review.md"')
    (approve,) = [a for a in live if a["Name"] == "Approve-live"]
    assert "reviews/delivery/live/review.md" in json.dumps(approve["Configuration"]["CustomData"])
    assert "prefix=reviews/delivery/live/review.md" in json.dumps(approve["Configuration"]["ExternalEntityLink"])
    record = _commands(pipeline_example, EXAMPLE_STACK, live, "Record-live")
    assert record == [f'aws ssm put-parameter --name {parameter} --type String --overwrite --value "$COMMIT_ID"']
    (stored,) = _resources(pipeline_example, EXAMPLE_STACK, "AWS::SSM::Parameter").values()
    assert stored["Properties"]["Name"] == parameter
    for wave in ("staging", "qa"):
        assert not [a for a in _stage(pipeline_example, EXAMPLE_STACK, wave) if a["ActionTypeId"]["Provider"] == "Manual"]


def test_the_source_is_a_full_clone_through_the_connection(pipeline_example: Assembly) -> None:
    (source,) = _stage(pipeline_example, EXAMPLE_STACK, "Source")
    config = source["Configuration"]
    assert config["FullRepositoryId"] == "example-org/platform"
    assert config["BranchName"] == "main"
    assert config["ConnectionArn"].startswith(f"arn:aws:codeconnections:eu-west-1:{TOOLING}:connection/")
    assert config["OutputArtifactFormat"] == "CODEBUILD_CLONE_REF", "the review reads the history"


def test_the_pipeline_updates_itself_and_keeps_artifacts_under_its_key_in_each_region(pipeline_example: Assembly) -> None:
    assert [a["Name"] for a in _stage(pipeline_example, EXAMPLE_STACK, "UpdatePipeline")] == ["SelfMutate"]
    (pipeline,) = _resources(pipeline_example, EXAMPLE_STACK, "AWS::CodePipeline::Pipeline").values()
    stores = {s["Region"]: s["ArtifactStore"] for s in pipeline["Properties"]["ArtifactStores"]}
    assert set(stores) == {"eu-west-1", "us-east-1"}
    assert all(s["EncryptionKey"]["Type"] == "KMS" for s in stores.values())
    (key,) = _resources(pipeline_example, EXAMPLE_STACK, "AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    (support,) = [s for s in pipeline_example.stack_names if s.startswith("cross-region-stack-")]
    (replication_key,) = _resources(pipeline_example, support, "AWS::KMS::Key").values()
    policies = {
        "eu-west-1": json.dumps(key["Properties"]["KeyPolicy"]),
        "us-east-1": json.dumps(replication_key["Properties"]["KeyPolicy"]),
    }
    for account, region, _ in EXAMPLE_TARGETS.values():
        role = f":iam::{account}:role/cdk-hnb659fds-deploy-role-{account}-{region}"
        assert role in policies[region], "the target's deploy role reads the artifacts of its region"


def test_the_other_regions_replication_bucket_is_versioned_logged_and_retained_except_on_create(pipeline_example: Assembly) -> None:
    (support,) = [s for s in pipeline_example.stack_names if s.startswith("cross-region-stack-")]
    assert pipeline_example.region(support) == "us-east-1"
    buckets = _resources(pipeline_example, support, "AWS::S3::Bucket")
    (replication,) = [b for name, b in buckets.items() if name.startswith("CrossRegionCodePipelineReplicationBucket")]
    props = replication["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"]["LogFilePrefix"] == "replication/"
    assert props["LifecycleConfiguration"]["Rules"][0]["Status"] == "Enabled"
    assert replication["DeletionPolicy"] == "RetainExceptOnCreate"


def test_notices_reach_the_configured_emails(pipeline_example: Assembly) -> None:
    emails = {s["Properties"]["Endpoint"] for s in _resources(pipeline_example, EXAMPLE_STACK, "AWS::SNS::Subscription").values()}
    assert emails == {"platform-team@example.com", "releases@example.com"}
    (rule,) = _resources(pipeline_example, EXAMPLE_STACK, "AWS::CodeStarNotifications::NotificationRule").values()
    assert set(rule["Properties"]["EventTypeIds"]) == {
        "codepipeline-pipeline-pipeline-execution-failed",
        "codepipeline-pipeline-pipeline-execution-succeeded",
        "codepipeline-pipeline-manual-approval-needed",
    }
    (topic,) = _resources(pipeline_example, EXAMPLE_STACK, "AWS::SNS::Topic").values()
    assert "KmsMasterKeyId" in topic["Properties"]
    key_policy = json.dumps(next(iter(_resources(pipeline_example, EXAMPLE_STACK, "AWS::KMS::Key").values()))["Properties"]["KeyPolicy"])
    assert "codestar-notifications.amazonaws.com" in key_policy, "the service may encrypt into the topic"


def test_every_build_runs_on_the_pinned_runtimes_with_its_logs_kept(pipeline_example: Assembly) -> None:
    projects = _resources(pipeline_example, EXAMPLE_STACK, "AWS::CodeBuild::Project")
    (group_id,) = _resources(pipeline_example, EXAMPLE_STACK, "AWS::Logs::LogGroup")
    group = pipeline_example.template_json(EXAMPLE_STACK)["Resources"][group_id]["Properties"]
    assert group["RetentionInDays"] == 365
    assert "KmsKeyId" in group
    for name, project in projects.items():
        props = project["Properties"]
        assert props["Environment"]["Image"] == "aws/codebuild/standard:7.0", name
        assert props["LogsConfig"]["CloudWatchLogs"]["GroupName"] == {"Ref": group_id}, name
        if "BuildSpec" in props["Source"]:
            spec = json.loads(_text(props["Source"]["BuildSpec"]))
            assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11", "nodejs": "20"}, name


@pytest.mark.parametrize("which", ["pipeline", "pipeline_example"])
def test_clean_under_every_pack(which: str, request: pytest.FixtureRequest) -> None:
    assembly: Assembly = request.getfixturevalue(which)
    assert_no_findings(assembly)
    assert_acknowledgments_finding_level_with_reasons(assembly)
    assert_every_acknowledgment_used(assembly)
