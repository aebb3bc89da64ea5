"""An Application Load Balancer, internet-facing or internal: HTTPS with a modern TLS policy
(certificates given by ARN or issued by berth), or plain HTTP as an explicit dev choice;
access logs, invalid headers dropped, ingress only from the given CIDRs, and (unless turned
off) an AWS WAF web ACL. One per web service, or one shared by several through listener
rules (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, acknowledge_compliance, acknowledge_guard
from cdk_constructs.checkov import skip_checkov
from cdk_constructs.domain import HostName, host_id
from cdk_constructs.errors import ConstructError
from cdk_constructs.log_buckets import log_sink_bucket
from cdk_constructs.removal import RETAIN
from cdk_constructs.service_alarms import paging_alarm
from cdk_constructs.web_acl import LoadBalancerWebAcl


@dataclass(frozen=True, kw_only=True)
class LoadBalancerProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `certificate_arn` | None | HTTPS on 443 with this ACM certificate, port 80 redirecting |
    | `hosts` | () | host names in the given zone: a DNS-validated certificate each on the HTTPS listener, and an alias record |
    | `plain_http` | False | plain HTTP on 80 and no TLS (a dev-only choice) |
    | `internet_facing` | True | public subnets and a public DNS name; False: an internal load balancer in the private subnets |
    | `shared` | False | several services through listener rules: the default action answers 404 |
    | `ingress_cidrs` | ("0.0.0.0/0",) | who may reach the listeners |
    | `deletion_protection` | True | a deploy cannot delete the platform's entry point by accident |
    | `idle_timeout_seconds` | 60 | the ALB's default |
    | `waf` | True | AWS managed rule groups and a per-IP rate limit in front |
    | `waf_log_retention_days` | 90 | the web ACL's log group |
    """

    certificate_arn: str | None = None
    hosts: tuple[str, ...] = ()
    plain_http: bool = False
    internet_facing: bool = True
    shared: bool = False
    ingress_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    deletion_protection: bool = True
    idle_timeout_seconds: int = 60
    waf: bool = True
    waf_log_retention_days: int = 90


class ApplicationIngress(Construct):
    """The load balancer, its security group, access-log bucket, listeners and web ACL."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        vpc: ec2.IVpc,
        props: LoadBalancerProps,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        zone: route53.IHostedZone | None = None,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """`alarm_topic`: where the load balancer's own 5xx alarm goes (a shared load balancer's;
        a service's own load balancer is alarmed by the service)."""
        super().__init__(scope, construct_id)
        https = not props.plain_http
        if props.hosts and (zone is None or not https):
            raise ConstructError(self, "host names need a hosted zone and HTTPS (plain_http is set, or no zone given)")
        if https and props.certificate_arn is None and not props.hosts:
            raise ConstructError(self, "HTTPS needs a certificate_arn or host names to issue certificates for")
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"{'Public' if props.internet_facing else 'Internal'} ALB: listener ports from the allowed CIDRs",
            allow_all_outbound=False,
        )
        for cidr in props.ingress_cidrs:
            for port in (443, 80) if https else (80,):
                self.security_group.add_ingress_rule(
                    ec2.Peer.ipv4(str(cidr)), ec2.Port.tcp(port), f"{'HTTPS' if port == 443 else 'HTTP'} from {cidr}"
                )
        skip_checkov(
            self.security_group,
            "CKV_AWS_260",
            "Port 80 is open only to answer with a redirect to HTTPS (or, in dev, by the config's explicit plain-HTTP choice).",
        )
        if "0.0.0.0/0" in props.ingress_cidrs:
            acknowledge(
                self.security_group,
                "EC23",
                "The internet-facing load balancer is the platform's public entry point: only its listener ports are open, "
                "to the CIDRs in config; tasks accept traffic from this security group only.",
            )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=props.internet_facing,
            vpc_subnets=ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PUBLIC if props.internet_facing else ec2.SubnetType.PRIVATE_WITH_EGRESS
            ),
            security_group=self.security_group,
            drop_invalid_header_fields=True,
            deletion_protection=props.deletion_protection,
            idle_timeout=Duration.seconds(props.idle_timeout_seconds),
        )
        self.log_bucket = self._access_log_bucket()
        self.load_balancer.log_access_logs(self.log_bucket, prefix="alb")
        self.listener = self._listeners(props, zone)
        if alarm_topic is not None:
            self._alarm_on_5xx(name, alarm_topic)
        if props.shared:
            self.listener.add_action(
                "NoRoute",
                action=elbv2.ListenerAction.fixed_response(404, content_type="text/plain", message_body="no service answers here"),
            )
        if not props.deletion_protection:
            acknowledge_compliance(
                self.load_balancer,
                "ELBDeletionProtectionEnabled",
                "The environment's config turns deletion protection off (deletion_protection: false) so that it can be torn down.",
            )
            acknowledge_guard(
                self.load_balancer,
                "elbv2_deletion_protection_enabled_check",
                "The environment's config turns deletion protection off (deletion_protection: false) so that it can be torn down.",
            )
        if props.waf:
            LoadBalancerWebAcl(
                self,
                "Waf",
                name=name,
                load_balancer=self.load_balancer,
                key=key,
                log_retention_days=props.waf_log_retention_days,
                removal_policy=removal_policy,
            )
        else:
            acknowledge_compliance(
                self.load_balancer,
                "ALBWAFEnabled",
                "The environment's config leaves this load balancer without a WAF web ACL (waf: false).",
                packs=("NIST.800.53.R5",),
            )

    def _access_log_bucket(self) -> s3.Bucket:
        # ALB access logs accept only S3-managed encryption (SSE-S3), not a KMS key.
        # Retained on stack deletion in every environment, dev included: a non-empty bucket
        # cannot be deleted by CloudFormation, and emptying it would need a Lambda-backed
        # custom resource. RetainExceptOnCreate: a failed first create leaves nothing behind.
        bucket = log_sink_bucket(self, "AccessLogs", removal_policy=RETAIN)
        sink = (
            "This bucket is itself a log sink (ALB access logs); server access logging for it would need another log "
            "bucket, which would need one in turn. Object-level access is auditable through CloudTrail data events."
        )
        acknowledge(bucket, "S1", sink)
        skip_checkov(bucket, "CKV_AWS_18", sink)
        acknowledge_compliance(bucket, "S3BucketLoggingEnabled", sink)
        acknowledge_guard(bucket, "s3_bucket_logging_enabled_check", sink)
        acknowledge_guard(
            bucket,
            "s3_bucket_default_encryption_kms_check",
            "ALB access logs can only be delivered to a bucket encrypted with S3-managed keys (SSE-S3); AWS documents "
            "that SSE-KMS is not supported for this destination.",
        )
        acknowledge_guard(
            bucket,
            "s3_event_notifications_enabled_check",
            "Nothing consumes these objects as they arrive: access logs are read when someone investigates, by query.",
        )
        acknowledge_guard(
            bucket,
            "s3_bucket_object_lock_enabled_check",
            "Not yet verified that Elastic Load Balancing delivers access logs into an Object Lock bucket (S3 requires an "
            "integrity header on writes there); until it is, the logs are versioned and kept a year, and deleting them "
            "needs s3:DeleteObjectVersion, which no role berth creates holds.",
        )
        acknowledge_compliance(
            bucket,
            "S3DefaultEncryptionKMS",
            "ALB access logs can only be delivered to a bucket encrypted with S3-managed keys (SSE-S3); AWS documents "
            "that SSE-KMS is not supported for this destination.",
        )
        acknowledge_compliance(
            bucket,
            "S3BucketReplicationEnabled",
            "Access logs are operational telemetry kept for a year in one region; the platform's recovery objectives do "
            "not cover them, and replicating them would double their cost.",
        )
        return bucket

    def _alarm_on_5xx(self, name: str, topic: sns.ITopic) -> None:
        paging_alarm(
            self,
            "Elb5xx",
            name=f"{name}-alb-5xx",
            description=f"{name}: 10+ load balancer 5xx responses a minute for 3 minutes",
            metric=self.load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=Duration.minutes(1), statistic="Sum"),
            threshold=10,
            periods=3,
            topic=topic,
        )

    def _listeners(self, props: LoadBalancerProps, zone: route53.IHostedZone | None) -> elbv2.ApplicationListener:
        """HTTPS on 443 (its certificates: the given one, then one per host) with 80 redirecting; or plain HTTP on 80."""

        if not props.plain_http:
            listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_arn(props.certificate_arn)] if props.certificate_arn else None,
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                open=False,
            )
            for host in props.hosts:
                assert zone is not None
                served = HostName(self, host_id(host), host=host, zone=zone, load_balancer=self.load_balancer)
                listener.add_certificates(
                    f"{host_id(host)}Certificate", [elbv2.ListenerCertificate.from_certificate_manager(served.certificate)]
                )
            redirect = self.load_balancer.add_listener(
                "HttpRedirect",
                port=80,
                protocol=elbv2.ApplicationProtocol.HTTP,
                open=False,
                default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
            )
            acknowledge_compliance(
                redirect,
                "ELBv2ACMCertificateRequired",
                "This port-80 listener serves nothing: it answers every request with a permanent redirect to HTTPS, "
                "whose listener uses the ACM certificate.",
            )
        else:
            # Explicit dev-only choice in config (allow_plain_http): no TLS.
            listener = self.load_balancer.add_listener("Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False)
            plain = (
                "The environment's config chooses plain HTTP (allow_plain_http: true, a documented dev-only choice with no certificate)."
            )
            acknowledge_compliance(listener, "ELBv2ACMCertificateRequired", plain)
            skip_checkov(listener, "CKV_AWS_2", plain)
            skip_checkov(listener, "CKV_AWS_103", plain)
            acknowledge_compliance(self.load_balancer, "ALBHttpToHttpsRedirection", plain)
            acknowledge_guard(listener, "alb_http_to_https_redirection_check", plain)
        return listener
