"""A task that EventBridge launches on a schedule; it stops when its container exits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge, nag_ref
from cdk_constructs.egress import EgressRule, workload_security_group
from cdk_constructs.errors import cfn_child
from cdk_constructs.principals import own_arn, service_principal
from cdk_constructs.task_definition import WorkloadTaskDefinition
from cdk_constructs.workload_service import CapacityShare, capacity_provider_strategies


@dataclass(frozen=True, kw_only=True)
class ScheduledTaskProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `name` | (required) | the workload's name, in descriptions |
    | `schedule` | (required) | an EventBridge `cron(...)` or `rate(...)` expression, UTC |
    | `capacity_provider_strategy` | one Fargate Spot share | where the task runs; a batch job tolerates Spot's interruptions |
    | `egress` | () | what the task calls besides AWS's APIs (`EgressRule`s) |
    | `open_egress_reason` | None | all egress allowed, for this reason (acknowledges Berth-SG1) |
    """

    name: str
    schedule: str
    capacity_provider_strategy: tuple[CapacityShare, ...] = (CapacityShare(provider="FARGATE_SPOT"),)
    egress: tuple[EgressRule, ...] = ()
    open_egress_reason: str | None = None


class ScheduledTask(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: ScheduledTaskProps,
        cluster: ecs.Cluster,
        ec2_providers: Mapping[str, ecs.AsgCapacityProvider],
        task: WorkloadTaskDefinition,
    ) -> None:
        super().__init__(scope, construct_id)
        self.security_group = workload_security_group(
            self,
            "SecurityGroup",
            vpc=cluster.vpc,
            description=f"{props.name} tasks",
            rules=props.egress,
            open_egress_reason=props.open_egress_reason,
        )
        stack = Stack.of(self)
        # Our own role (aws-cdk-lib's default one trusts events.amazonaws.com unconditionally):
        # only this account's EventBridge rules may assume it.
        self.events_role = iam.Role(
            self,
            "EventsRole",
            assumed_by=service_principal(self, "events.amazonaws.com", source_arn=own_arn(self, "events", "rule/*")),
            description=f"EventBridge starts the {props.name} task",
        )
        self.rule = events.Rule(
            self, "Schedule", schedule=events.Schedule.expression(props.schedule), description=f"Runs the {props.name} task"
        )
        self.rule.add_target(
            targets.EcsTask(
                cluster=cluster,
                task_definition=task.task_definition,
                subnet_selection=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                security_groups=[self.security_group],
                assign_public_ip=False,
                propagate_tags=ecs.PropagatedTagSource.TASK_DEFINITION,
                retry_attempts=2,
                role=self.events_role,
            )
        )
        # Escape hatch: targets.EcsTask has no capacity-provider strategy property (it sets a
        # launch type instead), and RunTask accepts one or the other, not both.
        strategy = [
            {"CapacityProvider": s.capacity_provider, "Weight": s.weight, **({"Base": s.base} if s.base else {})}
            for s in capacity_provider_strategies(self, props.capacity_provider_strategy, ec2_providers)
        ]
        cfn_rule = cfn_child(self.rule, events.CfnRule)
        cfn_rule.add_property_override("Targets.0.EcsParameters.CapacityProviderStrategy", strategy)
        cfn_rule.add_property_deletion_override("Targets.0.EcsParameters.LaunchType")
        events_policy = self.events_role.node.find_child("DefaultPolicy")
        acknowledge(
            events_policy,
            f"IAM5[Resource::arn:{stack.partition}:ecs:{stack.region}:*:task/{nag_ref(cluster)}/*]",
            "Written by aws-cdk-lib's EcsTask target: ecs:TagResource on the tasks this rule starts in this cluster, "
            "whose ids exist only after RunTask.",
        )
