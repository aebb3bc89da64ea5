"""A public Application Load Balancer: HTTPS with a modern TLS policy, or plain HTTP as an
explicit dev choice; access logs, invalid headers dropped, ingress only from the given
CIDRs, and (unless turned off) an AWS WAF web ACL."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, acknowledge_compliance, acknowledge_guard
from cdk_constructs.checkov import skip_checkov
from cdk_constructs.removal import RETAIN
from cdk_constructs.web_acl import LoadBalancerWebAcl


@dataclass(frozen=True, kw_only=True)
class LoadBalancerProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `certificate_arn` | None | HTTPS on 443 with this ACM certificate, port 80 redirecting; None serves plain HTTP (a dev-only choice) |
    | `ingress_cidrs` | ("0.0.0.0/0",) | who may reach the listeners |
    | `deletion_protection` | True | a deploy cannot delete the platform's entry point by accident |
    | `idle_timeout_seconds` | 60 | the ALB's default |
    | `waf` | True | AWS managed rule groups and a per-IP rate limit in front |
    | `waf_log_retention_days` | 90 | the web ACL's log group |
    """

    certificate_arn: str | None = None
    ingress_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    deletion_protection: bool = True
    idle_timeout_seconds: int = 60
    waf: bool = True
    waf_log_retention_days: int = 90


class PublicLoadBalancer(Construct):
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
    ) -> None:
        super().__init__(scope, construct_id)
        https = props.certificate_arn is not None
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description="Public ALB: listener ports from the allowed CIDRs", allow_all_outbound=False
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
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_group=self.security_group,
            drop_invalid_header_fields=True,
            deletion_protection=props.deletion_protection,
            idle_timeout=Duration.seconds(props.idle_timeout_seconds),
        )
        # ALB access logs accept only S3-managed encryption (SSE-S3), not a KMS key.
        # Retained on stack deletion in every environment, dev included: a non-empty bucket
        # cannot be deleted by CloudFormation, and emptying it would need a Lambda-backed
        # custom resource. RetainExceptOnCreate: a failed first create leaves nothing behind.
        self.log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30))],
            removal_policy=RETAIN,
        )
        sink = (
            "This bucket is itself a log sink (ALB access logs); server access logging for it would need another log "
            "bucket, which would need one in turn. Object-level access is auditable through CloudTrail data events."
        )
        acknowledge(self.log_bucket, "S1", sink)
        skip_checkov(self.log_bucket, "CKV_AWS_18", sink)
        acknowledge_compliance(self.log_bucket, "S3BucketLoggingEnabled", sink)
        acknowledge_guard(self.log_bucket, "s3_bucket_logging_enabled_check", sink)
        acknowledge_guard(
            self.log_bucket,
            "s3_bucket_default_encryption_kms_check",
            "ALB access logs can only be delivered to a bucket encrypted with S3-managed keys (SSE-S3); AWS documents "
            "that SSE-KMS is not supported for this destination.",
        )
        acknowledge_guard(
            self.log_bucket,
            "s3_event_notifications_enabled_check",
            "Nothing consumes these objects as they arrive: access logs are read when someone investigates, by query.",
        )
        acknowledge_guard(
            self.log_bucket,
            "s3_bucket_object_lock_enabled_check",
            "Not yet verified that Elastic Load Balancing delivers access logs into an Object Lock bucket (S3 requires an "
            "integrity header on writes there); until it is, the logs are versioned and kept a year, and deleting them "
            "needs s3:DeleteObjectVersion, which no role berth creates holds.",
        )
        acknowledge_compliance(
            self.log_bucket,
            "S3DefaultEncryptionKMS",
            "ALB access logs can only be delivered to a bucket encrypted with S3-managed keys (SSE-S3); AWS documents "
            "that SSE-KMS is not supported for this destination.",
        )
        acknowledge_compliance(
            self.log_bucket,
            "S3BucketReplicationEnabled",
            "Access logs are operational telemetry kept for a year in one region; the platform's recovery objectives do "
            "not cover them, and replicating them would double their cost.",
        )
        self.load_balancer.log_access_logs(self.log_bucket, prefix="alb")
        if https:
            self.listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_arn(props.certificate_arn)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                open=False,
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
            self.listener = self.load_balancer.add_listener("Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False)
            plain = (
                "The environment's config chooses plain HTTP (allow_plain_http: true, a documented dev-only choice with no certificate)."
            )
            acknowledge_compliance(self.listener, "ELBv2ACMCertificateRequired", plain)
            skip_checkov(self.listener, "CKV_AWS_2", plain)
            skip_checkov(self.listener, "CKV_AWS_103", plain)
            acknowledge_compliance(self.load_balancer, "ALBHttpToHttpsRedirection", plain)
            acknowledge_guard(self.listener, "alb_http_to_https_redirection_check", plain)
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
