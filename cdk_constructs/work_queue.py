"""An SQS work queue for a worker service: created (with a dead-letter queue, the
environment's KMS key, TLS only) or an existing one imported by ARN; and the scaling on its
backlog per task that AWS documents for queue consumers
(https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html).

Backlog per task is `ApproximateNumberOfMessagesVisible / RunningTaskCount`, a metric-math
target-tracking policy. aws-cdk-lib's `scale_to_track_custom_metric` takes one metric, not
an expression, so the policy is a `CfnScalingPolicy` with
`CustomizedMetricSpecification.Metrics` (the L2 lacks the `Metrics` property). With no task
running, Container Insights reports no task count and the expression has no value: target
tracking cannot scale out from zero. A step policy does: its alarm watches
`IF(FILL(running, 0) == 0, visible, 0)`, messages waiting while nothing runs, and adds one
task; target tracking takes over once a task runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk_constructs.acknowledgments import acknowledge_guard
from cdk_constructs.checkov import skip_checkov
from cdk_constructs.errors import ConstructError, cfn_child
from cdk_constructs.service_alarms import paging_alarm


@dataclass(frozen=True, kw_only=True)
class QueueProps:
    """| prop | default | why |
    | --- | --- | --- |
    | `existing_arn` | None | consume this queue instead of creating one |
    | `existing_key_arn` | None | the existing queue's KMS key (its consumers need kms:Decrypt on it) |
    | `visibility_timeout_seconds` | 60 | how long a received message stays hidden: longer than one message's work |
    | `retention_days` | 4 | how long an unprocessed message is kept (SQS allows 1 to 14) |
    | `max_receive_count` | 5 | receives before a message moves to the dead-letter queue |
    """

    existing_arn: str | None = None
    existing_key_arn: str | None = None
    visibility_timeout_seconds: int = 60
    retention_days: int = 4
    max_receive_count: int = 5


class WorkQueue(Construct):
    """`queue` (and, when created, `dead_letter_queue` with an alarm on any message in it)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        props: QueueProps,
        key: kms.IKey,
        removal_policy: RemovalPolicy,
        alarm_topic: sns.ITopic,
        alarm_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue: sqs.Queue | None = None
        if props.existing_arn is not None:
            self.queue: sqs.IQueue = sqs.Queue.from_queue_attributes(
                self, "Existing", queue_arn=props.existing_arn, key_arn=props.existing_key_arn
            )
            return
        if props.existing_key_arn is not None:
            raise ConstructError(self, "existing_key_arn applies to an existing queue (existing_arn) only")
        retention = Duration.days(14)  # dead letters are kept the longest SQS allows, for a person to look at
        protected = {
            "encryption": sqs.QueueEncryption.KMS,
            "encryption_master_key": key,
            "enforce_ssl": True,
            "removal_policy": removal_policy,
        }
        self.dead_letter_queue = sqs.Queue(self, "DeadLetters", retention_period=retention, **protected)
        reason = "This is the dead-letter queue: messages that failed max_receive_count times end here, for a person to inspect."
        acknowledge_guard(self.dead_letter_queue, "sqs_dlq_check", reason)
        skip_checkov(self.dead_letter_queue, "CKV_AWS_27", "Encrypted with the environment's customer-managed KMS key.")
        self.queue = sqs.Queue(
            self,
            "Queue",
            visibility_timeout=Duration.seconds(props.visibility_timeout_seconds),
            retention_period=Duration.days(props.retention_days),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=props.max_receive_count),
            **protected,
        )
        paging_alarm(
            self,
            "DeadLettersAlarm",
            name=f"{alarm_prefix}-dead-letters",
            description=f"{alarm_prefix}: messages in the dead-letter queue",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5), statistic="Maximum"),
            threshold=1,
            periods=1,
            topic=alarm_topic,
        )


def scale_on_backlog(
    scope: Construct,
    *,
    target: appscaling.IScalableTarget,
    queue: sqs.IQueue,
    cluster_name: str,
    service_name: str,
    backlog_per_task: int,
    alarm_name: str,
) -> None:
    """Target tracking on backlog per task, and the step out of zero (module docstring), whose
    alarm is `alarm_name` (it scales; it pages nobody)."""
    visible = {
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [{"Name": "QueueName", "Value": queue.queue_name}],
    }
    running = {
        "Namespace": "ECS/ContainerInsights",
        "MetricName": "RunningTaskCount",
        "Dimensions": [{"Name": "ClusterName", "Value": cluster_name}, {"Name": "ServiceName", "Value": service_name}],
    }
    appscaling.CfnScalingPolicy(
        scope,
        "BacklogPerTask",
        policy_name=f"{service_name}-backlog-per-task",
        policy_type="TargetTrackingScaling",
        scaling_target_id=target.scalable_target_id,
        target_tracking_scaling_policy_configuration=appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
            target_value=backlog_per_task,
            customized_metric_specification=appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
                metrics=[
                    _stat("visible", visible, "Sum"),
                    _stat("running", running, "Average"),
                    appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty(
                        id="backlog", expression="visible / running", label="messages per running task", return_data=True
                    ),
                ]
            ),
            scale_in_cooldown=60,
            scale_out_cooldown=60,
        ),
    )
    waiting_with_nothing_running = cw.MathExpression(
        expression="IF(FILL(running, 0) == 0, visible, 0)",
        using_metrics={
            "visible": queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(1), statistic="Sum"),
            "running": cw.Metric(
                namespace="ECS/ContainerInsights",
                metric_name="RunningTaskCount",
                dimensions_map={"ClusterName": cluster_name, "ServiceName": service_name},
                period=Duration.minutes(1),
                statistic="Average",
            ),
        },
        period=Duration.minutes(1),
        label="messages waiting, no task running",
    )
    step = appscaling.StepScalingPolicy(
        scope,
        "OutOfZero",
        scaling_target=target,
        metric=waiting_with_nothing_running,
        scaling_steps=[appscaling.ScalingInterval(upper=0, change=0), appscaling.ScalingInterval(lower=1, change=1)],
        adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        evaluation_periods=1,
        cooldown=Duration.minutes(1),
    )
    # Escape hatch: StepScalingPolicy lacks a property for its alarm's name (AlarmName).
    cfn_child(step.node.find_child("UpperAlarm"), cw.CfnAlarm).alarm_name = alarm_name


def _stat(query_id: str, metric: dict, stat: str) -> appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty:
    return appscaling.CfnScalingPolicy.TargetTrackingMetricDataQueryProperty(
        id=query_id,
        return_data=False,
        metric_stat=appscaling.CfnScalingPolicy.TargetTrackingMetricStatProperty(
            stat=stat,
            metric=appscaling.CfnScalingPolicy.TargetTrackingMetricProperty(
                namespace=metric["Namespace"],
                metric_name=metric["MetricName"],
                dimensions=[
                    appscaling.CfnScalingPolicy.TargetTrackingMetricDimensionProperty(name=d["Name"], value=d["Value"])
                    for d in metric["Dimensions"]
                ],
            ),
        ),
    )
