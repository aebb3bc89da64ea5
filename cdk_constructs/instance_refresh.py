"""Running container instances replaced when their launch template changes.

A new AMI (a tracked SSM parameter that moved, or a reviewed change of a pinned id) or any
other launch-template change only makes a new template version: the Auto Scaling group
launches new instances from it, but nothing replaces the running ones, and managed
termination protection keeps them. This custom resource starts an Auto Scaling instance
refresh whenever the group's launch-template version changes (not on create: a new group's
instances are already current). The refresh replaces instances protected from scale-in
too (`ScaleInProtectedInstances: Refresh`), launches before it terminates (100 % minimum,
200 % maximum healthy), and each instance it terminates is drained of its tasks by ECS
managed instance draining (the capacity provider's lifecycle hook) before it goes.
It returns at once: the refresh runs on after the deploy, under Auto Scaling's own control.
https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh.html
https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-instance-draining.html
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnResource
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, acknowledge_compliance
from cdk_constructs.asg_teardown import acknowledge_group_arn
from cdk_constructs.errors import cfn_child

# The custom resource property that makes CloudFormation call the handler's Update.
TRIGGER_PROPERTY = "LaunchTemplateVersion"


class RefreshInstancesOnLaunchTemplateChange(Construct):
    """An AwsCustomResource that calls StartInstanceRefresh on update, nothing on create or delete.

    `runtime` is how the stack's AwsCustomResources run (`ForceDeleteGroupOnTeardown.runtime`:
    aws-cdk-lib runs them all in one singleton function).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        auto_scaling_group: autoscaling.AutoScalingGroup,
        launch_template: ec2.LaunchTemplate,
        instance_warmup_seconds: int,
        runtime: dict[str, Any],
    ) -> None:
        super().__init__(scope, construct_id)
        name = auto_scaling_group.auto_scaling_group_name
        self.resource = cr.AwsCustomResource(
            self,
            "Resource",
            # On create a read-only call: the group's first instances are already current.
            on_create=cr.AwsSdkCall(
                service="AutoScaling",
                action="DescribeInstanceRefreshes",
                parameters={"AutoScalingGroupName": name, "MaxRecords": 1},
                physical_resource_id=cr.PhysicalResourceId.of(name),
            ),
            on_update=cr.AwsSdkCall(
                service="AutoScaling",
                action="StartInstanceRefresh",
                parameters={
                    "AutoScalingGroupName": name,
                    "Strategy": "Rolling",
                    "Preferences": {
                        "MinHealthyPercentage": 100,
                        "MaxHealthyPercentage": 200,
                        "InstanceWarmup": instance_warmup_seconds,
                        "SkipMatching": True,
                        "ScaleInProtectedInstances": "Refresh",
                        "StandbyInstances": "Terminate",
                    },
                },
                physical_resource_id=cr.PhysicalResourceId.of(name),
            ),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["autoscaling:StartInstanceRefresh"], resources=[auto_scaling_group.auto_scaling_group_arn]
                    ),
                    iam.PolicyStatement(actions=["autoscaling:DescribeInstanceRefreshes"], resources=["*"]),
                ]
            ),
            **runtime,
        )
        # Escape hatch: AwsCustomResource has no property for "update when this changes";
        # an extra property of the custom resource does it (the handler ignores it). The
        # group's own update (to the new version) comes first: the name reference orders it.
        custom = cfn_child(self.resource.node.find_child("Resource"), CfnResource)
        custom.add_property_override(TRIGGER_PROPERTY, launch_template.latest_version_number)
        self._explain(auto_scaling_group)

    def _explain(self, auto_scaling_group: autoscaling.AutoScalingGroup) -> None:
        policy = self.resource.node.find_child("CustomResourcePolicy")
        acknowledge_group_arn(policy, auto_scaling_group, "StartInstanceRefresh")
        acknowledge(
            policy,
            "IAM5[Resource::*]",
            "autoscaling:DescribeInstanceRefreshes (the no-op on create) supports no resource-level permissions "
            "(AWS Service Authorization Reference); it only reads.",
        )
        acknowledge_compliance(
            policy,
            "IAMNoInlinePolicy",
            "aws-cdk-lib's AwsCustomResource writes its statements (refresh this Auto Scaling group) inline.",
        )
