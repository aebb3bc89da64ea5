"""Shared files for a service's tasks: an EFS file system (created, or an existing one) and
the access point the tasks mount it through.

Created: encrypted at rest with the environment's KMS key, mount targets in the private
subnets only, automatic backups, elastic throughput, files moved to Infrequent Access after
30 days, a file-system policy that refuses anonymous clients and connections without TLS,
and an access point that pins the POSIX user and the root directory (created with that
owner), so a task sees its directory only, as its own non-root user. ECS mounts it with TLS
and IAM authorization, and the task role is allowed through that access point only
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html,
https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html). The security group
admits NFS (2049) from the callers given to `allow_from`, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_compliance
from cdk_constructs.errors import ConstructError


@dataclass(frozen=True, kw_only=True)
class SharedFilesProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `path` | "/data" | the access point's root directory (created with `uid`:`gid` as owner, mode 750) |
    | `uid`, `gid` | 1000 | the POSIX user every task's file operations run as (the containers' default user) |
    | `existing_file_system_id` | None | mount this file system instead of creating one |
    | `existing_access_point_id` | None | its access point (required with an existing file system) |
    | `existing_security_group_id` | None | its mount targets' security group, to admit the tasks on 2049 |
    """

    path: str = "/data"
    uid: int = 1000
    gid: int = 1000
    existing_file_system_id: str | None = None
    existing_access_point_id: str | None = None
    existing_security_group_id: str | None = None


class SharedFiles(Construct):
    """`file_system` and `access_point`; `allow_from(peer)` admits a service's tasks."""

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, key: kms.IKey, removal_policy: RemovalPolicy, props: SharedFilesProps
    ) -> None:
        super().__init__(scope, construct_id)
        if props.existing_file_system_id is not None:
            if props.existing_access_point_id is None or props.existing_security_group_id is None:
                raise ConstructError(self, "an existing file system needs its access point and its mount targets' security group")
            group = ec2.SecurityGroup.from_security_group_id(self, "ExistingGroup", props.existing_security_group_id)
            self.file_system: efs.IFileSystem = efs.FileSystem.from_file_system_attributes(
                self, "Existing", file_system_id=props.existing_file_system_id, security_group=group
            )
            self.access_point: efs.IAccessPoint = efs.AccessPoint.from_access_point_attributes(
                self, "ExistingAccessPoint", access_point_id=props.existing_access_point_id, file_system=self.file_system
            )
            return
        group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description="EFS mount targets: NFS from the tasks", allow_all_outbound=False
        )
        created = efs.FileSystem(
            self,
            "FileSystem",
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_group=group,
            encrypted=True,
            kms_key=key,
            enable_automatic_backups=True,
            throughput_mode=efs.ThroughputMode.ELASTIC,
            lifecycle_policy=efs.LifecyclePolicy.AFTER_30_DAYS,
            # The policy below is the whole file-system policy. aws-cdk-lib's "no anonymous
            # access" adds an Allow of ClientWrite and ClientRootAccess to every principal
            # that mounts through a mount target; berth does not want it. With a policy in
            # place, EFS's default (anyone may mount) no longer applies: a client needs an
            # allow, which only the task roles' own policies give, through the access point.
            allow_anonymous_access=True,
            file_system_policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="DenyWithoutTls",
                        effect=iam.Effect.DENY,
                        principals=[iam.AnyPrincipal()],
                        actions=["*"],
                        conditions={"Bool": {"aws:SecureTransport": "false"}},
                    )
                ]
            ),
            removal_policy=removal_policy,
        )
        acknowledge_compliance(
            created,
            "EFSInBackupPlan",
            "Automatic backups are on (BackupPolicy ENABLED): EFS itself puts the file system in AWS Backup's default "
            "plan aws/efs/automatic-backup-plan (daily, kept 35 days), which is not a resource of this template.",
        )
        self.file_system = created
        self.access_point = created.add_access_point(
            "AccessPoint",
            path=props.path,
            posix_user=efs.PosixUser(uid=str(props.uid), gid=str(props.gid)),
            create_acl=efs.Acl(owner_uid=str(props.uid), owner_gid=str(props.gid), permissions="750"),
        )

    def allow_from(self, peer: ec2.IConnectable) -> None:
        self.file_system.connections.allow_default_port_from(peer, "NFS from the service's tasks")
