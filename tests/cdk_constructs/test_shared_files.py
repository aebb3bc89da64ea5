"""SharedFiles alone: a created file system (encrypted with the key, TLS-only policy with no
broad allow, backups, an access point pinning user and root), NFS from the given peer only,
and an existing one imported."""

from __future__ import annotations

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2

from cdk_constructs.errors import ConstructError
from cdk_constructs.shared_files import SharedFiles, SharedFilesProps
from tests.cdk_constructs.support import bare


def test_a_created_file_system_is_encrypted_tls_only_backed_up_and_reached_through_its_access_point() -> None:
    b = bare()
    tasks = ec2.SecurityGroup(b.stack, "Tasks", vpc=b.vpc, allow_all_outbound=False)
    files = SharedFiles(
        b.stack, "Files", vpc=b.vpc, key=b.key, removal_policy=RemovalPolicy.DESTROY, props=SharedFilesProps(path="/ledger")
    )
    files.allow_from(tasks)
    template = b.template()
    (fs,) = template.find_resources("AWS::EFS::FileSystem").values()
    props = fs["Properties"]
    assert props["Encrypted"] is True
    assert "KmsKeyId" in props
    assert props["BackupPolicy"] == {"Status": "ENABLED"}
    # The whole policy: a deny without TLS; no allow for every principal.
    assert [s["Effect"] for s in props["FileSystemPolicy"]["Statement"]] == ["Deny"]
    (point,) = template.find_resources("AWS::EFS::AccessPoint").values()
    assert point["Properties"]["PosixUser"] == {"Gid": "1000", "Uid": "1000"}
    assert point["Properties"]["RootDirectory"]["Path"] == "/ledger"
    (ingress,) = template.find_resources("AWS::EC2::SecurityGroupIngress").values()
    assert (ingress["Properties"]["FromPort"], ingress["Properties"]["ToPort"]) == (2049, 2049)
    assert "SourceSecurityGroupId" in ingress["Properties"]
    assert len(template.find_resources("AWS::EFS::MountTarget")) == 2  # one per private subnet


def test_an_existing_file_system_is_imported_whole_or_refused() -> None:
    b = bare()
    existing = SharedFilesProps(
        existing_file_system_id="fs-0123456789abcdef0",
        existing_access_point_id="fsap-0123456789abcdef0",
        existing_security_group_id="sg-0123456789abcdef0",
    )
    files = SharedFiles(b.stack, "Files", vpc=b.vpc, key=b.key, removal_policy=RemovalPolicy.DESTROY, props=existing)
    assert files.file_system.file_system_id == "fs-0123456789abcdef0"
    b.template().resource_count_is("AWS::EFS::FileSystem", 0)
    with pytest.raises(ConstructError, match="needs its access point"):
        SharedFiles(
            b.stack,
            "Half",
            vpc=b.vpc,
            key=b.key,
            removal_policy=RemovalPolicy.DESTROY,
            props=SharedFilesProps(existing_file_system_id="fs-0123456789abcdef0"),
        )
