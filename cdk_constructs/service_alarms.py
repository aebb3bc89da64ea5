"""Alarms a team would page on, per service, and the subset that rolls a deployment back."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct

_PERIOD = Duration.minutes(1)


class ServiceAlarms(Construct):
    """CPU and memory saturation, running < desired, and for web services ALB 5xx and
    unhealthy targets. Metrics name the service by its literal name (not a reference), so
    the service can depend on its deployment alarms without a dependency cycle.
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
        self._prefix = alarm_prefix
        self._topic = topic
        self._names: dict[int, str] = {}
        dims = {"ClusterName": cluster_name, "ServiceName": service_name}

        def ecs_metric(name: str) -> cw.Metric:
            return cw.Metric(namespace="AWS/ECS", metric_name=name, dimensions_map=dims, statistic="Average", period=_PERIOD)

        self.cpu = self._alarm(
            "CpuSaturation",
            suffix="cpu-saturation",
            metric=ecs_metric("CPUUtilization"),
            threshold=90,
            periods=5,
            what="CPU above 90 % for 5 minutes",
        )
        self.memory = self._alarm(
            "MemorySaturation",
            suffix="memory-saturation",
            metric=ecs_metric("MemoryUtilization"),
            threshold=90,
            periods=5,
            what="memory above 90 % for 5 minutes",
        )
        insights = {
            n: cw.Metric(namespace="ECS/ContainerInsights", metric_name=n, dimensions_map=dims, statistic="Average", period=_PERIOD)
            for n in ("DesiredTaskCount", "RunningTaskCount")
        }
        missing = cw.MathExpression(
            expression="desired - running",
            using_metrics={"desired": insights["DesiredTaskCount"], "running": insights["RunningTaskCount"]},
            period=_PERIOD,
            label="tasks missing",
        )
        self.running_below_desired = self._alarm(
            "RunningBelowDesired",
            suffix="running-below-desired",
            metric=missing,
            threshold=1,
            periods=10,
            what="fewer tasks running than desired for 10 minutes",
        )
        self.deployment_alarms = [self.cpu, self.memory]
        if target_group is not None and load_balancer is not None:
            errors = target_group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=_PERIOD, statistic="Sum")
            self.target_5xx = self._alarm(
                "Target5xx",
                suffix="target-5xx",
                metric=errors,
                threshold=10,
                periods=3,
                what="10+ target 5xx responses a minute for 3 minutes",
            )
            elb_errors = load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=_PERIOD, statistic="Sum")
            self.elb_5xx = self._alarm(
                "Elb5xx",
                suffix="alb-5xx",
                metric=elb_errors,
                threshold=10,
                periods=3,
                what="10+ load balancer 5xx responses a minute for 3 minutes",
            )
            unhealthy = target_group.metrics.unhealthy_host_count(period=_PERIOD, statistic="Maximum")
            self.unhealthy = self._alarm(
                "UnhealthyTargets",
                suffix="unhealthy-targets",
                metric=unhealthy,
                threshold=1,
                periods=3,
                what="unhealthy targets for 3 minutes",
            )
            self.deployment_alarms = [self.target_5xx, self.unhealthy]

    def deployment_alarm_names(self) -> list[str]:
        """Literal names (not references): ECS reads the alarms by name."""
        return [self._names[id(a)] for a in self.deployment_alarms]

    def _alarm(self, construct_id: str, *, suffix: str, metric: cw.IMetric, threshold: float, periods: int, what: str) -> cw.Alarm:
        name = f"{self._prefix}-{suffix}"
        alarm = cw.Alarm(
            self,
            construct_id,
            alarm_name=name,
            alarm_description=f"{self._prefix}: {what}",
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self._topic))
        alarm.add_ok_action(cw_actions.SnsAction(self._topic))
        self._names[id(alarm)] = name
        return alarm
