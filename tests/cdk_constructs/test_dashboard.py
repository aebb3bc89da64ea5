"""PlatformDashboard alone: a row per service, load balancers and capacity providers after."""

from __future__ import annotations

import json

from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk.assertions import Template

from cdk_constructs.dashboard import DashboardService, PlatformDashboard
from tests.cdk_constructs.support import bare


def _body(template: Template) -> dict:
    """The dashboard body (an Fn::Join of text and references), each reference as TOKEN."""
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    return json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]))


def test_each_service_has_its_row_and_a_web_service_its_target_metrics() -> None:
    b = bare()
    lb = elbv2.ApplicationLoadBalancer(b.stack, "Alb", vpc=b.vpc)
    group = elbv2.ApplicationTargetGroup(b.stack, "Targets", vpc=b.vpc, port=8080, target_type=elbv2.TargetType.IP)
    lb.add_listener("Http", port=80, default_target_groups=[group])
    PlatformDashboard(
        b.stack,
        "Dashboard",
        dashboard_name="berth-test",
        cluster_name="cluster",
        services=(DashboardService(name="web", target_group=group), DashboardService(name="worker")),
        load_balancers=(("public load balancer", lb),),
        capacity_providers=("ec2-provider",),
    )
    template = b.template()
    template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "berth-test"})
    body = _body(template)
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles == [
        "web: CPU and memory (%)",
        "web: tasks running / desired",
        "web: target 5xx and response time",
        "worker: CPU and memory (%)",
        "worker: tasks running / desired",
        "public load balancer: load balancer 5xx",
        "ec2-provider: capacity provider reservation (%)",
    ]
    worker_cpu = body["widgets"][3]["properties"]["metrics"][0]
    assert worker_cpu[:6] == ["AWS/ECS", "CPUUtilization", "ClusterName", "cluster", "ServiceName", "worker"]
    metrics = json.dumps(body)
    assert "CapacityProviderReservation" in metrics
    assert "TargetResponseTime" in metrics
