"""An AWS WAF web ACL in front of a public load balancer, with its logs.

aws-cdk-lib has no L2 for WAFv2, so these are the L1 resources.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from cdk_constructs.log_group import encrypted_log_group
from cdk_constructs.principals import own_arn

# AWS managed rule groups, by priority: reputation first, then the common exploits.
_MANAGED_RULE_GROUPS = ("AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
RATE_LIMIT_PER_5_MINUTES = 2000


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True)


class LoadBalancerWebAcl(Construct):
    """AWS managed rule groups (IP reputation, common exploits, known bad inputs) and a
    per-IP rate limit; every request logged to a KMS-encrypted log group with retention."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        load_balancer: elbv2.ApplicationLoadBalancer,
        key: kms.IKey,
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=priority,
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(vendor_name="AWS", name=group)
                ),
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                visibility_config=_visibility(group),
            )
            for priority, group in enumerate(_MANAGED_RULE_GROUPS)
        ]
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerIp",
                priority=len(rules),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(limit=RATE_LIMIT_PER_5_MINUTES, aggregate_key_type="IP")
                ),
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                visibility_config=_visibility("RateLimitPerIp"),
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            rules=rules,
        )
        wafv2.CfnWebACLAssociation(self, "Association", resource_arn=load_balancer.load_balancer_arn, web_acl_arn=self.web_acl.attr_arn)
        # WAF requires the log group name to start with aws-waf-logs-, and its ARN without ":*".
        log_name = f"aws-waf-logs-{name}"
        log_group = encrypted_log_group(
            self, "Logs", key=key, retention_days=log_retention_days, removal_policy=removal_policy, name=log_name
        )
        logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[own_arn(self, "logs", f"log-group:{log_name}")],
        )
        logging.node.add_dependency(log_group)
