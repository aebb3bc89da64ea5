"""WorkQueue and scale_on_backlog alone: a created queue with its dead letters, an existing
one imported, and backlog-per-task scaling with the step out of zero."""

from __future__ import annotations

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk.assertions import Match

from cdk_constructs.errors import ConstructError
from cdk_constructs.work_queue import QueueProps, WorkQueue, scale_on_backlog
from tests.cdk_constructs.support import bare

EXISTING = "arn:aws:sqs:eu-west-1:111111111111:jobs"
EXISTING_KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _queue(props: QueueProps) -> tuple[object, WorkQueue]:
    b = bare()
    queue = WorkQueue(
        b.stack, "Jobs", props=props, key=b.key, removal_policy=RemovalPolicy.DESTROY, alarm_topic=b.topic, alarm_prefix="berth-test-worker"
    )
    return b, queue


def test_a_created_queue_is_encrypted_tls_only_and_redrives_to_alarmed_dead_letters() -> None:
    b, _ = _queue(QueueProps(visibility_timeout_seconds=120, max_receive_count=3))
    template = b.template()
    template.resource_count_is("AWS::SQS::Queue", 2)
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "VisibilityTimeout": 120,
            "KmsMasterKeyId": Match.any_value(),
            "RedrivePolicy": {"deadLetterTargetArn": Match.any_value(), "maxReceiveCount": 3},
        },
    )
    template.has_resource_properties("AWS::SQS::Queue", {"MessageRetentionPeriod": 1209600, "KmsMasterKeyId": Match.any_value()})
    for policy in template.find_resources("AWS::SQS::QueuePolicy").values():
        assert "aws:SecureTransport" in str(policy)
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"AlarmName": "berth-test-worker-dead-letters", "Threshold": 1})


def test_an_existing_queue_is_imported_and_creates_nothing() -> None:
    b, queue = _queue(QueueProps(existing_arn=EXISTING, existing_key_arn=EXISTING_KEY))
    b.template().resource_count_is("AWS::SQS::Queue", 0)
    assert queue.dead_letter_queue is None
    assert queue.queue.encryption_master_key is not None


def test_a_key_without_an_existing_queue_is_refused() -> None:
    with pytest.raises(ConstructError, match="existing queue"):
        _queue(QueueProps(existing_key_arn=EXISTING_KEY))


def test_backlog_per_task_is_metric_math_target_tracking_with_a_step_out_of_zero() -> None:
    b, queue = _queue(QueueProps())
    target = appscaling.ScalableTarget(
        b.stack,
        "Target",
        service_namespace=appscaling.ServiceNamespace.ECS,
        resource_id="service/cluster/worker",
        scalable_dimension="ecs:service:DesiredCount",
        min_capacity=0,
        max_capacity=4,
    )
    scale_on_backlog(
        b.stack,
        target=target,
        queue=queue.queue,
        cluster_name="cluster",
        service_name="worker",
        backlog_per_task=50,
        alarm_name="berth-test-worker-out-of-zero",
    )
    template = b.template()
    (tracking,) = [
        p["Properties"]
        for p in template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if p["Properties"]["PolicyType"] == "TargetTrackingScaling"
    ]
    config = tracking["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 50
    queries = {q["Id"]: q for q in config["CustomizedMetricSpecification"]["Metrics"]}
    assert queries["backlog"]["Expression"] == "visible / running"
    assert queries["backlog"]["ReturnData"] is True
    assert queries["visible"]["MetricStat"]["Metric"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert queries["running"]["MetricStat"]["Metric"]["Dimensions"][1] == {"Name": "ServiceName", "Value": "worker"}
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"PolicyType": "StepScaling", "StepScalingPolicyConfiguration": Match.object_like({"AdjustmentType": "ChangeInCapacity"})},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "berth-test-worker-out-of-zero",
            "Metrics": Match.array_with([Match.object_like({"Expression": "IF(FILL(running, 0) == 0, visible, 0)"})]),
            "Threshold": 1,
        },
    )
