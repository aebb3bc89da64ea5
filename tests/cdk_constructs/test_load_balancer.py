"""ApplicationIngress alone: HTTPS with a redirect, plain HTTP, WAF on and off, internal,
shared (a 404 default), and host names with issued certificates and alias records."""

from __future__ import annotations

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Match, Template

from cdk_constructs.domain import host_id, import_zone
from cdk_constructs.errors import ConstructError
from cdk_constructs.load_balancer import ApplicationIngress, LoadBalancerProps
from tests.cdk_constructs.support import bare

CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/abc"
ZONE_ID = "Z0TEST0000000000000000"


def _alb(props: LoadBalancerProps, *, zone: bool = False) -> Template:
    b = bare()
    hosted = import_zone(b.stack, "Zone", hosted_zone_id=ZONE_ID, zone_name="example.com") if zone else None
    lb = ApplicationIngress(
        b.stack, "Alb", name="berth-test-web", vpc=b.vpc, props=props, key=b.key, removal_policy=RemovalPolicy.DESTROY, zone=hosted
    )
    if not props.shared:
        lb.listener.add_action("Default", action=elbv2.ListenerAction.fixed_response(200))
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
    template = _alb(LoadBalancerProps(plain_http=True, waf=False))
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


def test_a_shared_load_balancer_answers_404_where_no_rule_matches() -> None:
    template = _alb(LoadBalancerProps(certificate_arn=CERT, shared=True, waf=False))
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "DefaultActions": [
                Match.object_like({"Type": "fixed-response", "FixedResponseConfig": Match.object_like({"StatusCode": "404"})})
            ],
        },
    )


def test_an_internal_load_balancer_sits_in_the_private_subnets_and_admits_the_given_network() -> None:
    template = _alb(LoadBalancerProps(certificate_arn=CERT, internet_facing=False, ingress_cidrs=("10.10.0.0/16",), waf=False))
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internal"})
    (lb,) = template.find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    subnets = {s["Ref"] for s in lb["Properties"]["Subnets"]}
    assert subnets
    assert all("Private" in s for s in subnets)
    (group,) = [
        g for g in template.find_resources("AWS::EC2::SecurityGroup").values() if "Internal ALB" in g["Properties"]["GroupDescription"]
    ]
    assert {r["CidrIp"] for r in group["Properties"]["SecurityGroupIngress"]} == {"10.10.0.0/16"}


def test_each_host_gets_a_dns_validated_certificate_on_the_listener_and_an_alias_record() -> None:
    hosts = ("app.example.com", "*.api.example.com")
    template = _alb(LoadBalancerProps(hosts=hosts, shared=True, waf=False), zone=True)
    certificates = template.find_resources("AWS::CertificateManager::Certificate")
    assert sorted(c["Properties"]["DomainName"] for c in certificates.values()) == sorted(hosts)
    for c in certificates.values():
        assert c["Properties"]["ValidationMethod"] == "DNS"
        assert c["Properties"]["DomainValidationOptions"] == [{"DomainName": c["Properties"]["DomainName"], "HostedZoneId": ZONE_ID}]
    records = template.find_resources("AWS::Route53::RecordSet")
    assert sorted(r["Properties"]["Name"] for r in records.values()) == sorted(f"{h}." for h in hosts)
    assert all(r["Properties"]["Type"] == "A" and "AliasTarget" in r["Properties"] for r in records.values())
    # The first host's certificate is the listener's default; the others are added to it.
    (first,) = [k for k, c in certificates.items() if c["Properties"]["DomainName"] == hosts[0]]
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Port": 443, "Certificates": [{"CertificateArn": {"Ref": first}}]}
    )
    template.resource_count_is("AWS::ElasticLoadBalancingV2::ListenerCertificate", 1)


def test_host_construct_ids_follow_the_host_name() -> None:
    assert host_id("*.a-b.example.com") == "WildcardABExampleCom"
    assert host_id("app.example.com") != host_id("api.example.com")


@pytest.mark.parametrize(
    ("props", "zone", "reason"),
    [
        (LoadBalancerProps(waf=False), False, "HTTPS needs a certificate_arn or host names"),
        (LoadBalancerProps(hosts=("app.example.com",), waf=False), False, "host names need a hosted zone"),
        (LoadBalancerProps(hosts=("app.example.com",), plain_http=True, waf=False), True, "host names need a hosted zone and HTTPS"),
    ],
)
def test_https_without_a_certificate_or_hosts_without_a_zone_are_refused(props: LoadBalancerProps, zone: bool, reason: str) -> None:
    with pytest.raises(ConstructError, match=reason):
        _alb(props, zone=zone)
