"""Alarms a team would page on, per service, and the subset that rolls a deployment back."""

from __future__ import annotations

from typing import NamedTuple

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct

_PERIOD = Duration.minutes(1)


class _Spec(NamedTuple):
    construct_id: str
    suffix: str
    metric: cw.IMetric
    threshold: float
    periods: int
    what: str
    rolls_back: bool


class ServiceAlarms(Construct):
    """CPU and memory saturation, running < desired, and for web services ALB and target 5xx
    and unhealthy targets; all notify the topic on alarm and on OK.

    Metrics name the service by its literal name (not a reference), so the service can depend
    on its deployment alarms without a dependency cycle. Web services roll back on 5xx and
    unhealthy targets; workers, which have no load balancer, on CPU or memory saturation. The
    load balancer's own 5xx alarm is here only for a load balancer of the service's own.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alarm_prefix: str,
        cluster_name: str,
        service_name: str,
        topic: sns.ITopic,
        target_group: elbv2.ApplicationTargetGroup | None = None,
        load_balancer: elbv2.ApplicationLoadBalancer | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        dims = {"ClusterName": cluster_name, "ServiceName": service_name}

        def metric(namespace: str, name: str) -> cw.Metric:
            return cw.Metric(namespace=namespace, metric_name=name, dimensions_map=dims, statistic="Average", period=_PERIOD)

        missing_tasks = cw.MathExpression(
            expression="desired - running",
            using_metrics={
                "desired": metric("ECS/ContainerInsights", "DesiredTaskCount"),
                "running": metric("ECS/ContainerInsights", "RunningTaskCount"),
            },
            period=_PERIOD,
            label="tasks missing",
        )
        web = target_group is not None
        specs = [
            _Spec("CpuSaturation", "cpu-saturation", metric("AWS/ECS", "CPUUtilization"), 90, 5, "CPU above 90 % for 5 minutes", not web),
            _Spec(
                "MemorySaturation",
                "memory-saturation",
                metric("AWS/ECS", "MemoryUtilization"),
                90,
                5,
                "memory above 90 % for 5 minutes",
                not web,
            ),
            _Spec(
                "RunningBelowDesired",
                "running-below-desired",
                missing_tasks,
                1,
                10,
                "fewer tasks running than desired for 10 minutes",
                False,
            ),
        ]
        if target_group is not None:
            specs.append(
                _Spec(
                    "Target5xx",
                    "target-5xx",
                    target_group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=_PERIOD, statistic="Sum"),
                    10,
                    3,
                    "10+ target 5xx responses a minute for 3 minutes",
                    True,
                )
            )
        if target_group is not None and load_balancer is not None:
            specs.append(
                _Spec(
                    "Elb5xx",
                    "alb-5xx",
                    load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=_PERIOD, statistic="Sum"),
                    10,
                    3,
                    "10+ load balancer 5xx responses a minute for 3 minutes",
                    False,
                )
            )
        if target_group is not None:
            specs.append(
                _Spec(
                    "UnhealthyTargets",
                    "unhealthy-targets",
                    target_group.metrics.unhealthy_host_count(period=_PERIOD, statistic="Maximum"),
                    1,
                    3,
                    "unhealthy targets for 3 minutes",
                    True,
                )
            )
        self.alarms: dict[str, cw.Alarm] = {}
        self.deployment_alarms: list[cw.Alarm] = []
        self.deployment_alarm_names: list[str] = []
        action = cw_actions.SnsAction(topic)  # one for every alarm here: each new one costs a jsii call
        for spec in specs:
            name = f"{alarm_prefix}-{spec.suffix}"
            alarm = paging_alarm(
                self,
                spec.construct_id,
                name=name,
                description=f"{alarm_prefix}: {spec.what}",
                metric=spec.metric,
                threshold=spec.threshold,
                periods=spec.periods,
                topic=topic,
                action=action,
            )
            self.alarms[spec.suffix] = alarm
            if spec.rolls_back:
                self.deployment_alarms.append(alarm)
                # Literal names (not references): ECS reads the alarms by name.
                self.deployment_alarm_names.append(name)


def paging_alarm(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    description: str,
    metric: cw.IMetric,
    threshold: float,
    periods: int,
    topic: sns.ITopic,
    action: cw.IAlarmAction | None = None,
) -> cw.Alarm:
    """The one shape of berth's alarms that page: at or above `threshold` for `periods`
    periods in a row, missing data not breaching, `topic` told on ALARM and on OK. The
    literal `name` lets others (ECS's deployment alarms, the topic's policy) name it.
    `action`: the SNS action for `topic`, when the caller already has one to share."""
    alarm = cw.Alarm(
        scope,
        construct_id,
        alarm_name=name,
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
    )
    action = action or cw_actions.SnsAction(topic)
    alarm.add_alarm_action(action)
    alarm.add_ok_action(action)
    return alarm
