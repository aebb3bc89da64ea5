"""LoadBalancerWebAcl alone: managed rule groups, a rate limit, logging, the association."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from cdk_constructs.web_acl import LoadBalancerWebAcl
from tests.cdk_constructs.support import bare


def test_managed_rules_a_rate_limit_and_logs_for_the_load_balancer() -> None:
    b = bare()
    alb = elbv2.ApplicationLoadBalancer(b.stack, "Alb", vpc=b.vpc)
    LoadBalancerWebAcl(
        b.stack, "Waf", name="berth-test-web", load_balancer=alb, key=b.key, log_retention_days=30, removal_policy=RemovalPolicy.DESTROY
    )
    template = b.template()
    (acl,) = template.find_resources("AWS::WAFv2::WebACL").values()
    rules = acl["Properties"]["Rules"]
    assert any("ManagedRuleGroupStatement" in r["Statement"] for r in rules)
    assert any("RateBasedStatement" in r["Statement"] for r in rules)
    assert acl["Properties"]["Scope"] == "REGIONAL"
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    template.resource_count_is("AWS::WAFv2::LoggingConfiguration", 1)
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
