"""PublicLoadBalancer alone: HTTPS with a redirect, plain HTTP, WAF on and off."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Match, Template

from cdk_constructs.load_balancer import LoadBalancerProps, PublicLoadBalancer
from tests.cdk_constructs.support import bare

CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/abc"


def _alb(props: LoadBalancerProps) -> Template:
    b = bare()
    lb = PublicLoadBalancer(b.stack, "Alb", name="berth-test-web", vpc=b.vpc, props=props, key=b.key, removal_policy=RemovalPolicy.DESTROY)
    lb.listener.add_action(
        "Default", action=__import__("aws_cdk.aws_elasticloadbalancingv2", fromlist=["ListenerAction"]).ListenerAction.fixed_response(200)
    )
    return b.template()


def test_https_without_waf_redirects_http_and_has_no_web_acl() -> None:
    template = _alb(LoadBalancerProps(certificate_arn=CERT, waf=False))
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Port": 443, "Protocol": "HTTPS", "Certificates": [{"CertificateArn": CERT}]}
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "DefaultActions": [
                Match.object_like(
                    {"Type": "redirect", "RedirectConfig": Match.object_like({"Protocol": "HTTPS", "StatusCode": "HTTP_301"})}
                )
            ],
        },
    )
    template.resource_count_is("AWS::WAFv2::WebACL", 0)


def test_https_opens_443_and_80_to_each_given_cidr_only() -> None:
    template = _alb(LoadBalancerProps(certificate_arn=CERT, ingress_cidrs=("198.51.100.0/24",), waf=False))
    (group,) = [
        g for g in template.find_resources("AWS::EC2::SecurityGroup").values() if "Public ALB" in g["Properties"]["GroupDescription"]
    ]
    rules = {(r["CidrIp"], r["FromPort"]) for r in group["Properties"]["SecurityGroupIngress"]}
    assert rules == {("198.51.100.0/24", 443), ("198.51.100.0/24", 80)}


def test_plain_http_is_one_listener_on_80() -> None:
    template = _alb(LoadBalancerProps(waf=False))
    template.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {"Port": 80, "Protocol": "HTTP"})


def test_waf_is_on_by_default_and_associated() -> None:
    template = _alb(LoadBalancerProps(certificate_arn=CERT))
    template.resource_count_is("AWS::WAFv2::WebACL", 1)
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)


def test_deletion_protection_and_idle_timeout_as_given() -> None:
    template = _alb(LoadBalancerProps(certificate_arn=CERT, waf=False, deletion_protection=False, idle_timeout_seconds=120))
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "deletion_protection.enabled", "Value": "false"}, {"Key": "idle_timeout.timeout_seconds", "Value": "120"}]
            )
        },
    )
