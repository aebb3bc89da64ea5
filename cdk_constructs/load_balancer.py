"""A public Application Load Balancer: HTTPS with a modern TLS policy, or plain HTTP as an
explicit dev choice; access logs, invalid headers dropped, ingress only from config CIDRs."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge
from config.models import LoadBalancerConfig


class PublicLoadBalancer(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, config: LoadBalancerConfig) -> None:
        super().__init__(scope, construct_id)
        https = config.certificate_arn is not None
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description="Public ALB: listener ports from the allowed CIDRs", allow_all_outbound=False
        )
        for cidr in config.ingress_cidrs:
            for port in (443, 80) if https else (80,):
                self.security_group.add_ingress_rule(
                    ec2.Peer.ipv4(str(cidr)), ec2.Port.tcp(port), f"{'HTTPS' if port == 443 else 'HTTP'} from {cidr}"
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
            deletion_protection=config.deletion_protection,
            idle_timeout=Duration.seconds(config.idle_timeout_seconds),
        )
        # ALB access logs accept only S3-managed encryption (SSE-S3), not a KMS key.
        # Retained on stack deletion: a non-empty bucket cannot be deleted by CloudFormation,
        # and emptying it would need a Lambda-backed custom resource.
        self.log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.log_bucket,
            "S1",
            "This bucket is itself a log sink (ALB access logs); server access logging for it would need another log "
            "bucket, which would need one in turn. Object-level access is auditable through CloudTrail data events.",
        )
        self.load_balancer.log_access_logs(self.log_bucket, prefix="alb")
        if https:
            self.listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_arn(config.certificate_arn)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                open=False,
            )
            self.load_balancer.add_listener(
                "HttpRedirect",
                port=80,
                protocol=elbv2.ApplicationProtocol.HTTP,
                open=False,
                default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
            )
        else:
            # Explicit dev-only choice in config (allow_plain_http): no TLS.
            self.listener = self.load_balancer.add_listener("Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False)
