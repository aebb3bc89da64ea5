"""ServiceAlarms alone: a worker's alarms, and a web service's with its load balancer's."""

from __future__ import annotations

from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from cdk_constructs.service_alarms import ServiceAlarms
from tests.cdk_constructs.support import bare


def _alarm_names(web: bool) -> list[str]:
    b = bare()
    target_group = load_balancer = None
    if web:
        load_balancer = elbv2.ApplicationLoadBalancer(b.stack, "Alb", vpc=b.vpc)
        target_group = elbv2.ApplicationTargetGroup(b.stack, "Targets", vpc=b.vpc, port=80)
        load_balancer.add_listener("Http", port=80, default_target_groups=[target_group])
    alarms = ServiceAlarms(
        b.stack,
        "Alarms",
        alarm_prefix="berth-test-web",
        cluster_name="c",
        service_name="web",
        topic=b.topic,
        target_group=target_group,
        load_balancer=load_balancer,
    )
    names = sorted(a["Properties"]["AlarmName"] for a in b.template().find_resources("AWS::CloudWatch::Alarm").values())
    assert set(alarms.deployment_alarm_names) <= set(names)
    return names


def test_a_worker_alarms_on_saturation_and_on_running_below_desired() -> None:
    assert _alarm_names(web=False) == [
        "berth-test-web-cpu-saturation",
        "berth-test-web-memory-saturation",
        "berth-test-web-running-below-desired",
    ]


def test_a_web_service_also_alarms_on_5xx_and_unhealthy_targets() -> None:
    names = _alarm_names(web=True)
    assert {"berth-test-web-target-5xx", "berth-test-web-alb-5xx", "berth-test-web-unhealthy-targets"} <= set(names)
