"""berth's launch-template rules: every EC2 node (ECS container instance or EKS worker node)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnResource

from cdk_constructs.checks.rule import BerthRule, TemplateRule
from cdk_constructs.checks.template import StackTemplate


class LaunchTemplateImdsv2HopLimit(BerthRule):
    rule_id = "EC21"
    resource_type = "AWS::EC2::LaunchTemplate"
    info = "The launch template does not require IMDSv2 with a hop limit of 1."
    explanation = (
        "IMDSv2 (session tokens) blocks SSRF-style credential theft; a hop limit of 1 keeps containers and pods, one "
        "network hop away, from reaching the instance metadata service and the instance role's credentials."
    )

    def check(self, props: dict[str, Any], node: CfnResource) -> bool:
        options = props.get("launchTemplateData", {}).get("metadataOptions", {})
        return options.get("httpTokens") == "required" and options.get("httpPutResponseHopLimit") == 1


class LaunchTemplateEncryptedVolumes(BerthRule):
    rule_id = "EC22"
    resource_type = "AWS::EC2::LaunchTemplate"
    info = "The launch template does not declare every EBS volume encrypted (or declares none)."
    explanation = (
        "Declaring each volume encrypted (Bottlerocket has two) in the template makes encryption independent of the "
        "account's default-encryption setting, which a launch template otherwise silently inherits."
    )

    def check(self, props: dict[str, Any], node: CfnResource) -> bool:
        mappings = props.get("launchTemplateData", {}).get("blockDeviceMappings", [])
        ebs = [m["ebs"] for m in mappings if "ebs" in m]
        return bool(ebs) and all(v.get("encrypted") is True for v in ebs)


RULES: tuple[BerthRule, ...] = (LaunchTemplateImdsv2HopLimit(), LaunchTemplateEncryptedVolumes())


class SecurityGroupOpenEgress(TemplateRule):
    rule_id = "SG1"
    resource_type = "AWS::EC2::SecurityGroup"
    info = "The security group allows all egress (every protocol) to 0.0.0.0/0 or ::/0."
    explanation = (
        "Deny by default (NIST 800-53 SC-7(5)): a workload allows out only what it needs (HTTPS to AWS, what it "
        "declares it calls), so a compromised task cannot reach anything else. A workload that needs the open internet "
        "says so in config with a reason, which acknowledges this finding."
    )

    def check_template(self, logical_id: str, template: StackTemplate) -> bool:
        rules = template.resources.get(logical_id, {}).get("Properties", {}).get("SecurityGroupEgress", [])
        return not any(str(r.get("IpProtocol")) == "-1" and (r.get("CidrIp") == "0.0.0.0/0" or r.get("CidrIpv6") == "::/0") for r in rules)


RULES = (*RULES, SecurityGroupOpenEgress())
