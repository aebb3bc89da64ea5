"""A bucket that receives logs AWS services deliver (S3 server access logs, ALB access logs)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

KEPT_DAYS = 365
NONCURRENT_DAYS = 30


def log_sink_bucket(scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> s3.Bucket:
    """S3-managed encryption (the only one S3 server access logging and ALB access logs deliver
    into), TLS only, no public access, versioned, kept a year. The caller acknowledges what the
    checks say of a log sink, with its own reasons."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned=True,
        lifecycle_rules=[
            s3.LifecycleRule(expiration=Duration.days(KEPT_DAYS), noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS))
        ],
        removal_policy=removal_policy,
    )
