"""One CloudWatch dashboard per environment: what on-call looks at first.

Per service: CPU and memory utilization (AWS/ECS), running against desired tasks (Container
Insights, which the cluster enables), and for a service behind a load balancer its target
5xx and response time; per load balancer its own 5xx; per EC2 capacity provider its
CapacityProviderReservation, the metric managed scaling tracks
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html).
Metrics name services and the cluster by their literal names, as the alarms do.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

_PERIOD = Duration.minutes(1)
_WIDTH = 8  # three widgets a row (the grid is 24 wide)


@dataclass(frozen=True, kw_only=True)
class DashboardService:
    """A service on the dashboard: its literal name, and its target group when it has one."""

    name: str
    target_group: elbv2.IApplicationTargetGroup | None = None


class PlatformDashboard(Construct):
    """`dashboard_name` (unique in the account and region), one row per service, then the
    load balancers and the capacity providers."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        cluster_name: str,
        services: tuple[DashboardService, ...],
        load_balancers: tuple[tuple[str, elbv2.IApplicationLoadBalancer], ...] = (),
        capacity_providers: tuple[str, ...] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=dashboard_name, default_interval=Duration.hours(3))
        for service in services:
            self.dashboard.add_widgets(*self._service_row(cluster_name, service))
        balancers: list[cw.IWidget] = [
            cw.GraphWidget(
                title=f"{label}: load balancer 5xx",
                left=[lb.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=_PERIOD, statistic="Sum")],
                width=_WIDTH,
            )
            for label, lb in load_balancers
        ]
        reservations: list[cw.IWidget] = [
            cw.GraphWidget(
                title=f"{provider}: capacity provider reservation (%)",
                left=[
                    cw.Metric(
                        namespace="AWS/ECS/ManagedScaling",
                        metric_name="CapacityProviderReservation",
                        dimensions_map={"ClusterName": cluster_name, "CapacityProviderName": provider},
                        period=_PERIOD,
                        statistic="Average",
                    )
                ],
                width=_WIDTH,
            )
            for provider in capacity_providers
        ]
        if balancers or reservations:
            self.dashboard.add_widgets(*balancers, *reservations)

    @staticmethod
    def _service_row(cluster_name: str, service: DashboardService) -> list[cw.IWidget]:
        dims = {"ClusterName": cluster_name, "ServiceName": service.name}

        def metric(namespace: str, name: str, label: str) -> cw.Metric:
            return cw.Metric(namespace=namespace, metric_name=name, dimensions_map=dims, period=_PERIOD, statistic="Average", label=label)

        row: list[cw.IWidget] = [
            cw.GraphWidget(
                title=f"{service.name}: CPU and memory (%)",
                left=[metric("AWS/ECS", "CPUUtilization", "CPU"), metric("AWS/ECS", "MemoryUtilization", "memory")],
                width=_WIDTH,
            ),
            cw.GraphWidget(
                title=f"{service.name}: tasks running / desired",
                left=[
                    metric("ECS/ContainerInsights", "RunningTaskCount", "running"),
                    metric("ECS/ContainerInsights", "DesiredTaskCount", "desired"),
                ],
                width=_WIDTH,
            ),
        ]
        if service.target_group is not None:
            metrics = service.target_group.metrics
            row.append(
                cw.GraphWidget(
                    title=f"{service.name}: target 5xx and response time",
                    left=[metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=_PERIOD, statistic="Sum", label="5xx")],
                    right=[metrics.target_response_time(period=_PERIOD, statistic="p99", label="p99 response time (s)")],
                    width=_WIDTH,
                )
            )
        return row
