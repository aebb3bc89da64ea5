"""An ECR repository for a service's images: private, scanned on push, immutable tags,
encrypted with a customer-managed KMS key, old images expired.

Immutable tags: a tag names one image for ever, so a task definition that names a tag runs
what was reviewed (a digest is better still). Expiry keeps the last `keep_images` tagged
images and drops untagged ones after `untagged_days`
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html): keep
enough that every image still deployed, and the one before for a rollback, is among them.
With a destroy removal policy the repository is emptied on deletion (ECR's EmptyOnDelete),
or CloudFormation could not delete it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class ImageRepositoryProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `repository_name` | (required) | e.g. berth/dev/web: deterministic, so other stacks name it without a reference |
    | `keep_images` | 30 | tagged images kept |
    | `untagged_days` | 7 | days an untagged image is kept |
    """

    repository_name: str
    keep_images: int = 30
    untagged_days: int = 7


class ImageRepository(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, props: ImageRepositoryProps, key: kms.IKey, removal_policy: RemovalPolicy
    ) -> None:
        super().__init__(scope, construct_id)
        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=props.repository_name,
            image_scan_on_push=True,
            image_tag_mutability=ecr.TagMutability.IMMUTABLE,
            encryption=ecr.RepositoryEncryption.KMS,
            encryption_key=key,
            removal_policy=removal_policy,
            empty_on_delete=removal_policy == RemovalPolicy.DESTROY,
            lifecycle_rules=[
                ecr.LifecycleRule(
                    rule_priority=1,
                    description=f"untagged images go after {props.untagged_days} days",
                    tag_status=ecr.TagStatus.UNTAGGED,
                    max_image_age=Duration.days(props.untagged_days),
                ),
                ecr.LifecycleRule(
                    rule_priority=2,
                    description=f"the last {props.keep_images} images are kept",
                    tag_status=ecr.TagStatus.ANY,
                    max_image_count=props.keep_images,
                ),
            ],
        )
