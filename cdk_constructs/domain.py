"""A host name served by a load balancer: its DNS-validated ACM certificate and its alias record.

One certificate per host name (not one for all): adding a host creates a certificate and
replaces none, and each certificate holds one name, well inside ACM's default quota of 10.
CloudFormation writes the validation record into the hosted zone and waits until ACM has
issued the certificate (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html);
ACM validates through public DNS, so the zone must be a public one (`make preflight` checks).
The alias record points at the load balancer without a TTL of its own
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-elb-load-balancer.html).
"""

from __future__ import annotations

import re

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct


def host_id(host: str) -> str:
    """A construct id from a host name that stays the same while the name does: *.a-b.example.com
    -> WildcardABExampleCom."""
    words = re.split(r"[.\-]", host.replace("*", "wildcard"))
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def import_zone(scope: Construct, construct_id: str, *, hosted_zone_id: str, zone_name: str) -> route53.IHostedZone:
    """The hosted zone from its id and name as given: no look-up at synth."""
    return route53.PublicHostedZone.from_public_hosted_zone_attributes(
        scope, construct_id, hosted_zone_id=hosted_zone_id, zone_name=zone_name
    )


class HostName(Construct):
    """`certificate` for `host`, validated through `zone`, and an alias A record to `load_balancer`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        host: str,
        zone: route53.IHostedZone,
        load_balancer: elbv2.IApplicationLoadBalancer,
    ) -> None:
        super().__init__(scope, construct_id)
        self.certificate = acm.Certificate(self, "Certificate", domain_name=host, validation=acm.CertificateValidation.from_dns(zone))
        route53.ARecord(
            self,
            "Alias",
            zone=zone,
            record_name=f"{host}.",
            target=route53.RecordTarget.from_alias(targets.LoadBalancerTarget(load_balancer)),
        )
