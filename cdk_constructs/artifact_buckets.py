"""The pipeline's buckets: its artifact bucket, each region's replication bucket, and the
server-access-log bucket beside each.

CodePipeline keeps artifacts in one bucket per region it runs actions in: the pipeline's own
(berth's, below) and, for an action in another region, a replication bucket in a support
stack CodePipeline creates itself (`cross-region-stack-<account>:<region>`, which the tooling
account deploys with `make deploy-pipeline`). CDK Pipelines has no property for how that
bucket is made, so berth completes it through its L1 (versioning, lifecycle, access logs,
RetainExceptOnCreate): the escape hatches below, each naming what the L2 lacks.
https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-create-cross-region.html
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_compliance, acknowledge_guard
from cdk_constructs.checkov import skip_checkov
from cdk_constructs.log_buckets import NONCURRENT_DAYS, log_sink_bucket
from cdk_constructs.platform_key import deny_grants_except_through_aws_services
from cdk_constructs.removal import RETAIN

_NOT_REPLICATED = (
    "Pipeline artifacts are rebuilt from the repository by every execution; a copy in another region would restore "
    "nothing the source does not hold."
)
_NO_CONSUMER = "Nothing consumes these objects as they arrive: CodePipeline passes them between its own actions."
_NO_OBJECT_LOCK = "Artifacts and their access logs are versioned and expire; Object Lock would keep every artifact of every execution."


def access_log_bucket(scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> s3.Bucket:
    """A bucket for S3 server access logs, kept a year."""
    bucket = log_sink_bucket(scope, construct_id, removal_policy=removal_policy)
    sink = (
        "This bucket is itself a log sink (a pipeline bucket's server access logs); logging it would need another log "
        "bucket, which would need one in turn. Object access is auditable through CloudTrail data events."
    )
    # cdk-nag's own logging rules (S1, S3BucketLoggingEnabled) accept a bucket that another bucket of
    # its stack logs into; checkov and AWS Control Tower's rule look at the bucket alone.
    skip_checkov(bucket, "CKV_AWS_18", sink)
    acknowledge_guard(bucket, "s3_bucket_logging_enabled_check", sink)
    sse_s3 = "S3 server access logs can only be delivered to a bucket encrypted with S3-managed keys (SSE-S3)."
    acknowledge_compliance(bucket, "S3DefaultEncryptionKMS", sse_s3)
    acknowledge_guard(bucket, "s3_bucket_default_encryption_kms_check", sse_s3)
    acknowledge_compliance(
        bucket, "S3BucketReplicationEnabled", "Access logs of the pipeline's own buckets, kept a year; no recovery objective covers them."
    )
    acknowledge_guard(bucket, "s3_event_notifications_enabled_check", _NO_CONSUMER)
    acknowledge_guard(bucket, "s3_bucket_object_lock_enabled_check", _NO_OBJECT_LOCK)
    return bucket


def artifact_bucket(scope: Construct, construct_id: str, *, key: kms.IKey, removal_policy: RemovalPolicy) -> s3.Bucket:
    """The pipeline's artifact bucket: its key (cross-account deploy roles are granted it), versioned, logged."""
    logs = access_log_bucket(scope, f"{construct_id}AccessLogs", removal_policy=removal_policy)
    bucket = s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned=True,
        server_access_logs_bucket=logs,
        server_access_logs_prefix="artifacts/",
        lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(NONCURRENT_DAYS))],
        removal_policy=removal_policy,
    )
    _acknowledge_artifacts(bucket)
    return bucket


def harden_replication_bucket(support: codepipeline.CrossRegionSupport, *, removal_policy: RemovalPolicy) -> None:
    """Complete the replication bucket CodePipeline made in a support stack, as berth makes its own."""
    bucket = support.replication_bucket
    cfn = bucket.node.default_child
    assert isinstance(cfn, s3.CfnBucket)
    logs = access_log_bucket(support.stack, "ReplicationAccessLogs", removal_policy=removal_policy)
    prefix = "replication/"
    # Escape hatches: CodePipeline's cross-region support has no property for versioning,
    # lifecycle rules, server access logging or the removal policy of its replication bucket.
    cfn.versioning_configuration = s3.CfnBucket.VersioningConfigurationProperty(status="Enabled")
    cfn.lifecycle_configuration = s3.CfnBucket.LifecycleConfigurationProperty(
        rules=[
            s3.CfnBucket.RuleProperty(
                status="Enabled",
                noncurrent_version_expiration=s3.CfnBucket.NoncurrentVersionExpirationProperty(noncurrent_days=NONCURRENT_DAYS),
            )
        ]
    )
    cfn.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(destination_bucket_name=logs.bucket_name, log_file_prefix=prefix)
    # Its name is fixed (generated at synth): plain Retain would survive a failed first create
    # of the support stack and make the retry fail (berth's rule DR3).
    cfn.apply_removal_policy(RETAIN if removal_policy != RemovalPolicy.DESTROY else RemovalPolicy.DESTROY)
    # What the L2 writes for `server_access_logs_bucket`: the logging service may write there, for this bucket only.
    logs.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
            actions=["s3:PutObject"],
            resources=[logs.arn_for_objects(f"{prefix}*")],
            conditions={"ArnLike": {"aws:SourceArn": bucket.bucket_arn}, "StringEquals": {"aws:SourceAccount": Stack.of(bucket).account}},
        )
    )
    _acknowledge_artifacts(bucket)
    key = bucket.encryption_key
    if key is not None:
        # AWS Control Tower's CT.KMS.PR.3, as berth's own keys carry it (cdk_constructs/platform_key.py).
        key.add_to_resource_policy(deny_grants_except_through_aws_services())


def _acknowledge_artifacts(bucket: s3.IBucket) -> None:
    acknowledge_compliance(bucket, "S3BucketReplicationEnabled", _NOT_REPLICATED)
    acknowledge_guard(bucket, "s3_event_notifications_enabled_check", _NO_CONSUMER)
    acknowledge_guard(bucket, "s3_bucket_object_lock_enabled_check", _NO_OBJECT_LOCK)
