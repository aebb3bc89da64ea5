"""ImageRepository alone: scan on push, immutable tags, the key, expiry, emptied only when destroyed."""

from __future__ import annotations

from aws_cdk import RemovalPolicy

from cdk_constructs.image_repository import ImageRepository, ImageRepositoryProps
from tests.cdk_constructs.support import bare


def _repository(removal: RemovalPolicy) -> dict:
    b = bare()
    ImageRepository(
        b.stack,
        "Web",
        props=ImageRepositoryProps(repository_name="berth/test/web", keep_images=20, untagged_days=3),
        key=b.key,
        removal_policy=removal,
    )
    (repository,) = b.template().find_resources("AWS::ECR::Repository").values()
    return repository


def test_a_repository_scans_on_push_keeps_tags_immutable_and_expires_old_images() -> None:
    repository = _repository(RemovalPolicy.DESTROY)
    props = repository["Properties"]
    assert props["RepositoryName"] == "berth/test/web"
    assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert props["ImageTagMutability"] == "IMMUTABLE"
    assert props["EncryptionConfiguration"]["EncryptionType"] == "KMS"
    assert props["EmptyOnDelete"] is True
    policy = props["LifecyclePolicy"]["LifecyclePolicyText"]
    assert '"countNumber":3' in policy
    assert '"countNumber":20' in policy


def test_a_retained_repository_is_not_emptied() -> None:
    repository = _repository(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)
    assert "EmptyOnDelete" not in repository["Properties"] or repository["Properties"]["EmptyOnDelete"] is False
    assert repository["DeletionPolicy"] == "RetainExceptOnCreate"
