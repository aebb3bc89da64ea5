"""The review tool on pairs of small synthesized assemblies (base and head) with known changes."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import yaml
from aws_cdk import Acknowledgment, App, Environment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_eks as eks
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from tools.review import COMMENT_LIMIT, MARKER, Context, fit_comment, render

Build = Callable[[Stack], None]


def _synth(tmp_path: Path, name: str, build: Build) -> Path:
    outdir = tmp_path / name
    app = App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    build(Stack(app, "Demo", env=Environment(account="111111111111", region="us-east-1")))
    app.synth()
    return outdir


def _review(tmp_path: Path, base: Build, head: Build) -> str:
    return render({"dev": _synth(tmp_path, "base", base)}, {"dev": _synth(tmp_path, "head", head)}, "base")


def _section(text: str, title: str) -> str:
    """The lines of one section of the review."""
    start = text.index(f"### {title}")
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _group(stack: Stack, cidr: str) -> None:
    group = ec2.CfnSecurityGroup(stack, "Group", group_description="web", vpc_id="vpc-1")
    group.security_group_ingress = [ec2.CfnSecurityGroup.IngressProperty(ip_protocol="tcp", from_port=443, to_port=443, cidr_ip=cidr)]


def _policy(stack: Stack, action: str) -> None:
    role = iam.CfnRole(
        stack,
        "Role",
        assume_role_policy_document={
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]
        },
    )
    iam.CfnPolicy(
        stack,
        "Policy",
        policy_name="p",
        roles=[role.ref],
        policy_document={"Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]},
    )


def _nodegroup(stack: Stack, instance_type: str) -> None:
    eks.CfnNodegroup(stack, "Nodes", cluster_name="c", node_role="arn:aws:iam::1:role/n", subnets=["s"], instance_types=[instance_type])


def test_security_group_opened_to_the_world_is_exposure(tmp_path: Path) -> None:
    text = _review(tmp_path, lambda s: _group(s, "10.0.0.0/16"), lambda s: _group(s, "0.0.0.0/0"))
    exposure = _section(text, "Exposure")
    assert "0.0.0.0/0" in exposure
    assert "**open to the internet**" in exposure
    assert "### Everything else" not in text


def test_action_widened_to_a_wildcard_is_access(tmp_path: Path) -> None:
    text = _review(tmp_path, lambda s: _policy(s, "s3:GetObject"), lambda s: _policy(s, "s3:*"))
    access = _section(text, "Access")
    assert '`Demo / policy` (`Policy`) now grants {"Action": "s3:*"' in access
    assert "no longer grants" in access
    assert "### Everything else" not in text, "a change shown under Access is not repeated"


def test_node_group_instance_type_change_is_a_replacement(tmp_path: Path) -> None:
    text = _review(tmp_path, lambda s: _nodegroup(s, "m7g.large"), lambda s: _nodegroup(s, "m7g.xlarge"))
    replacements = _section(text, "Replacements and deletions")
    assert "`Demo / nodes` (`Nodes`) (AWS::EKS::Nodegroup) is **replaced**: InstanceTypes changed **data-loss risk**" in replacements
    capacity = _section(text, "Capacity and cost")
    assert "InstanceTypes" in capacity
    # EKS's default scaling (1-2 nodes) at the us-east-1 prices of tools/prices.json.
    assert (
        "`Demo / nodes` (`Nodes`): 1-2 x m7g.large -> 1-2 x m7g.xlarge: $59.57-$119.14 -> $119.14-$238.27 a month (+$59.57 to +$119.14)"
    ) in capacity
    assert "net: +$59.57 to +$119.14 a month" in capacity
    assert "prices as of " in text.splitlines()[-1]


def test_removed_key_is_data_loss(tmp_path: Path) -> None:
    def with_key(stack: Stack) -> None:
        kms.Key(stack, "Key", removal_policy=RemovalPolicy.DESTROY)

    text = _review(tmp_path, with_key, lambda s: None)
    assert "deleted `Demo / key` (`Key" in _section(text, "Replacements and deletions")
    assert "(AWS::KMS::Key) **data-loss risk**" in text
    assert "- **data loss** dev / Demo: deleted `Demo / key`" in text.split("## Summary")[1]


def test_removed_retained_key_says_it_stays(tmp_path: Path) -> None:
    text = _review(tmp_path, lambda s: kms.Key(s, "Key", removal_policy=RemovalPolicy.RETAIN), lambda s: None)
    assert "(AWS::KMS::Key) (retained: the resource stays, outside the stack)" in text
    assert "**data-loss risk**" not in text


def _cluster(public: bool) -> Build:
    def build(stack: Stack) -> None:
        eks.CfnCluster(
            stack,
            "Cluster",
            role_arn="arn:aws:iam::1:role/c",
            resources_vpc_config=eks.CfnCluster.ResourcesVpcConfigProperty(
                subnet_ids=["s"], endpoint_public_access=public, endpoint_private_access=True
            ),
        )

    return build


def test_eks_endpoint_made_public_is_exposure(tmp_path: Path) -> None:
    exposure = _section(_review(tmp_path, _cluster(public=False), _cluster(public=True)), "Exposure")
    assert (
        '`Demo / cluster` (`Cluster`) endpoint: private only -> **public** from ["0.0.0.0/0"] **open to the internet**, and private'
    ) in exposure


def test_new_role_inline_policy_and_new_public_load_balancer(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        iam.Role(
            stack,
            "Reader",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            inline_policies={"read": iam.PolicyDocument(statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])])},
        )
        elbv2.CfnLoadBalancer(stack, "Alb", scheme="internet-facing", subnets=["a", "b"])

    text = _review(tmp_path, lambda s: None, build)
    assert '`Demo / reader` (`ReaderF7BF189D`) grants {"Action": "s3:GetObject"' in _section(text, "Access")
    assert "added `Demo / alb` (`Alb`), **internet-facing**" in _section(text, "Exposure")


def test_retention_dropped_is_read_with_the_replacements(tmp_path: Path) -> None:
    def key(policy: RemovalPolicy) -> Build:
        def build(stack: Stack) -> None:
            kms.Key(stack, "Key", removal_policy=policy)

        return build

    text = _review(tmp_path, key(RemovalPolicy.RETAIN), key(RemovalPolicy.DESTROY))
    replacements = _section(text, "Replacements and deletions")
    assert '(AWS::KMS::Key) DeletionPolicy: "Retain" -> "Delete"' in replacements
    assert '(AWS::KMS::Key) UpdateReplacePolicy: "Retain" -> "Delete"' in replacements


def test_acknowledgment_added_is_compliance(tmp_path: Path) -> None:
    def acked(stack: Stack) -> None:
        _group(stack, "10.0.0.0/16")
        Validations.of(stack.node.find_child("Group")).acknowledge(
            Acknowledgment(id="AwsSolutions::AwsSolutions-EC23", reason="the reason a reviewer reads")
        )

    compliance = _section(_review(tmp_path, lambda s: _group(s, "10.0.0.0/16"), acked), "Compliance")
    assert "acknowledged on `Demo / group` (AwsSolutions EC23): the reason a reviewer reads" in compliance


def test_pure_refactor_says_so_in_one_line(tmp_path: Path) -> None:
    text = _review(tmp_path, lambda s: _group(s, "10.0.0.0/16"), lambda s: _group(s, "10.0.0.0/16"))
    assert text.splitlines()[-1] == "No infrastructure change: every environment synthesizes to the same templates and acknowledgments."


def test_a_config_only_change_goes_green_with_one_command(config_change_loop: tuple[Path, subprocess.Popen[str]]) -> None:
    """In a clone whose dev.yaml gains a NAT gateway: `make regenerate` rewrites exactly the
    generated files that change, and the review shows the change with no stale file."""
    clone, process = config_change_loop
    stdout, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, (stdout + stderr)[-4000:]
    assert "wrote tests/__snapshots__/templates/berth-dev-network.json" in stdout
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True).stdout
    paths = {line[3:] for line in changed.splitlines()} - {"review.md", "review-comment.md", ".venv", "node_modules"}
    assert paths == {"config/environments/dev.yaml", "tests/__snapshots__/templates/berth-dev-network.json", "docs/architecture.md"}, paths
    review = (clone / "review.md").read_text()
    assert "Generated files are stale" not in review
    assert "**with uncommitted changes**" in review
    assert "## dev / network" in review
    assert "added `dev / network / vpc / public subnet 2 / nat gateway` (`NetworkVpcpublicSubnet2NATGateway" in review
    assert "NAT gateway hours (data not priced): +$35.04 a month" in review, "priced at eu-west-1's hourly rate"
    assert "## dev / ecs" not in review, "the ECS stack does not change"
    assert "## dev: the picture changes" in review
    assert (clone / "review-comment.md").read_text() == review, "it fits one comment"


def test_pull_request_workflow_posts_the_review_even_when_the_tests_fail() -> None:
    """The workflow's shape (actionlint checks its syntax: test_workflow_lint.py)."""
    workflow = yaml.safe_load((Path(__file__).resolve().parents[2] / ".github" / "workflows" / "review.yml").read_text())
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    steps = workflow["jobs"]["review"]["steps"]
    by_id = {s["id"]: s for s in steps if "id" in s}
    for check in ("lint", "test", "rehearse"):
        assert by_id[check].get("continue-on-error") is True, f"a failed {check} step must not stop the review"
    assert by_id["test"]["run"] == "make test"
    review = next(s for s in steps if s.get("run", "").startswith("make review"))
    assert steps.index(review) > steps.index(by_id["test"])
    assert review["if"] == "${{ !cancelled() }}"
    assert review["env"]["TESTS"] == "${{ steps.test.outcome }}"
    assert "--outcome 'make test=$TESTS'" in review["run"]
    post = next(s for s in steps if MARKER in s.get("run", ""))
    assert "body=@review-comment.md" in post["run"], "the comment is the page cut to fit"
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in steps), "the whole page is kept"
    last = steps[-1]
    assert "steps.test.outcome == 'failure'" in last["if"]
    assert last["run"].rstrip().endswith("exit 1"), "the job still fails after posting"
    assert workflow["permissions"]["pull-requests"] == "write"


def test_tests_that_failed_are_said_at_the_top(tmp_path: Path) -> None:
    base = {"dev": _synth(tmp_path, "base", lambda s: _group(s, "10.0.0.0/16"))}
    head = {"dev": _synth(tmp_path, "head", lambda s: _group(s, "10.0.0.0/8"))}
    context = Context("main", outcomes=(("make test", "failure"), ("deploy rehearsal", "success")), stale=("COMPLIANCE.md",))
    lines = render(base, head, context).splitlines()
    assert lines[3] == "> **Checks that did not pass: make test (failure).** Read the job log; below is what the change does."
    assert lines[5].startswith("> **Generated files are stale**: run `make regenerate`")


def test_new_role_trust_shows_its_conditions(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        iam.Role(
            stack,
            "Flows",
            assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": "111111111111"}}
            ),
        )
        iam.Role(stack, "Open", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))

    access = _section(_review(tmp_path, lambda s: None, build), "Access")
    assert (
        'trusts {"Service": "vpc-flow-logs.amazonaws.com"} ("sts:AssumeRole") when {"StringEquals": {"aws:SourceAccount": "111111111111"}}'
        in access
    )
    assert 'trusts {"Service": "lambda.amazonaws.com"} ("sts:AssumeRole") **with no condition**' in access


def test_one_finding_acknowledged_by_several_packs_is_one_line(tmp_path: Path) -> None:
    def acked(stack: Stack) -> None:
        _group(stack, "10.0.0.0/16")
        for rule in ("AwsSolutions::AwsSolutions-EC23", "NIST.800.53.R5::NIST.800.53.R5-EC2RestrictedCommonPorts"):
            Validations.of(stack.node.find_child("Group")).acknowledge(Acknowledgment(id=rule, reason="one reason"))

    compliance = _section(_review(tmp_path, lambda s: _group(s, "10.0.0.0/16"), acked), "Compliance")
    assert compliance.count("\n- ") == 1, compliance
    assert "acknowledged on `Demo / group` (AwsSolutions EC23, NIST.800.53.R5 EC2RestrictedCommonPorts): one reason" in compliance


def _task(image: str) -> Build:
    def build(stack: Stack) -> None:
        ecs.CfnTaskDefinition(
            stack, "Task", container_definitions=[ecs.CfnTaskDefinition.ContainerDefinitionProperty(name="web", image=image)]
        )

    return build


def test_an_image_digest_change_is_shown_and_an_image_only_change_says_so(tmp_path: Path) -> None:
    old, new = (f"111111111111.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:{c * 64}" for c in "ab")
    text = _review(tmp_path, _task(old), _task(new))
    assert f'`Demo / task` (`Task`) container `web`: "{old}" -> "{new}"' in _section(text, "Images")
    assert "**Image-only change**" in text
    assert "### Everything else" not in text, "the image is not reported twice"


def test_an_asset_image_tag_change_is_shown(tmp_path: Path) -> None:
    """CDK's asset images are tagged with a 64-hex hash that the rest of the review masks."""
    old, new = (f"111111111111.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets:{c * 64}" for c in "cd")
    assert f'"{old}" -> "{new}"' in _section(_review(tmp_path, _task(old), _task(new)), "Images")


def test_the_comment_is_cut_at_a_section_to_fit_with_a_pointer() -> None:
    page = "\n".join([MARKER, "# Infrastructure review", "", "## Summary", "", "- **data loss** prod / eks: x", ""])
    page += "".join(f"\n## dev / s{i}\n\n```mermaid\nflowchart LR\n{'  a --> b' * 400}\n```\n" for i in range(40))
    comment = fit_comment(page, "the `review` artifact of run 7")
    assert len(page) > COMMENT_LIMIT >= len(comment)
    assert comment.startswith(page[:200])
    assert "- **data loss** prod / eks: x" in comment
    assert comment.count("```") % 2 == 0
    assert comment.rstrip().endswith("the whole page is the `review` artifact of run 7.")
    assert fit_comment("short", "x") == "short"
