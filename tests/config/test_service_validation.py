"""A service's ways in (shared load balancers, routes, host names), its queue and its deployment
strategy: every problem named at its field, at once."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from config.errors import problems_from, with_named_items
from config.ingress_models import route_priorities
from config.loader import ENVIRONMENTS_DIR, for_first_deploy
from config.models import PlatformConfig
from tests.factories import _set, environment


def _problems(changes: dict[str, Any], base: str = "dev") -> list[str]:
    """The lines `make synth` prints for the shipped `base` file with `changes`."""
    data = copy.deepcopy(yaml.safe_load((ENVIRONMENTS_DIR / f"{base}.yaml").read_text(encoding="utf-8")))
    for path, value in changes.items():
        _set(data, path, value)
    with pytest.raises(ValidationError) as info:
        PlatformConfig.model_validate(data)
    return [p.render() for p in with_named_items(problems_from(info.value, PlatformConfig), data)]


def test_dev_routes_get_their_own_or_derived_priorities() -> None:
    # web is 1st in `services` (10), api sets 5, ledger is 4th (40); workers have no rule.
    assert route_priorities(environment("dev").ecs.services) == {"web": 10, "api": 5, "ledger": 40}


def test_a_rule_that_can_never_match_is_refused() -> None:
    (problem,) = _problems({"ecs.services[api].route.priority": None})
    assert problem.startswith("ecs.services[api].route: never matched: 'web' (priority 10)")
    assert "list it before 'web'" in problem


def test_two_routes_with_one_priority_are_refused() -> None:
    problems = _problems({"ecs.services[ledger].route": {"hosts": ["x.dev.berth.example.com"], "priority": 10}})
    assert any(p.startswith("ecs.services[ledger].route.priority: priority 10 is also web's") for p in problems), problems


def test_a_route_to_an_ingress_not_configured_is_refused() -> None:
    (problem,) = _problems({"ecs.ingress.internal": None, "ecs.services[ledger].route.ingress": "internal"})
    assert problem == "ecs.services[ledger].route.ingress: ecs.ingress.internal is not configured"


def test_hosts_outside_the_zone_or_without_a_domain_are_refused() -> None:
    (outside,) = _problems({"ecs.services[web].route.hosts": ["app.example.org"]})
    assert outside == "ecs.services[web].route.hosts: ['app.example.org'] are not in the hosted zone dev.berth.example.com"
    problems = _problems({"ecs.domain": None})
    assert "ecs.services[web].route.hosts: host names need ecs.domain (the hosted zone berth writes their records in)" in problems
    # Without a domain, nothing gives the shared load balancers a certificate either: said too.
    assert any(p.startswith("ecs.ingress.public.certificate_arn: needs HTTPS") for p in problems), problems


def test_a_host_points_at_one_load_balancer_only() -> None:
    problems = _problems({"ecs.services[ledger].route.hosts": ["app.dev.berth.example.com"]})
    assert any("app.dev.berth.example.com already points at ecs.ingress.public" in p for p in problems), problems


def test_a_route_needs_a_condition_and_at_most_five_values() -> None:
    problems = _problems(
        {
            "ecs.services[api].route": {"paths": [f"/p{i}/*" for i in range(6)]},
            "ecs.services[ledger].route": {"ingress": "internal"},
        }
    )
    assert any(p.startswith("ecs.services[api].route.paths: an ALB rule takes at most 5 condition values") for p in problems)
    assert any(p.startswith("ecs.services[ledger].route.hosts: a route needs hosts, paths or both") for p in problems)


def test_an_unused_shared_load_balancer_is_refused() -> None:
    (problem,) = _problems({"ecs.services[ledger].route": None, "ecs.ingress.public.waf": True})
    assert problem.startswith("ecs.ingress.internal: no service routes to this load balancer")


def test_a_service_with_two_ways_in_is_refused() -> None:
    own = {"allow_plain_http": True, "deletion_protection": False, "waf": False}
    assert _problems({"ecs.services[web].load_balancer": own}) == [
        "ecs.services[web].route: a service has its own load_balancer or a route on a shared one, not both"
    ]


def test_plain_http_beside_issued_certificates_is_refused() -> None:
    (problem,) = _problems({"ecs.ingress.public.allow_plain_http": True})
    assert problem.startswith("ecs.ingress.public.allow_plain_http: berth issues certificates for the routes' hosts")


def test_own_load_balancer_hosts_are_issued_certificates_in_the_zone() -> None:
    domain = {"hosted_zone_id": "Z0PROD0000000000000000", "zone_name": "berth.example.com"}
    config = environment("prod", {"ecs.domain": domain, "ecs.services[web].load_balancer.hosts": ["www.berth.example.com"]})
    assert config.ecs.services[0].load_balancer is not None
    assert config.ecs.services[0].load_balancer.hosts == ("www.berth.example.com",)
    (problem,) = _problems({"ecs.services[web].load_balancer.hosts": ["www.berth.example.com"]}, base="prod")
    assert problem.startswith("ecs.services[web].load_balancer.hosts: host names need ecs.domain")


def test_the_first_deploy_leaves_shared_load_balancers_unprotected() -> None:
    config = environment("dev", {"ecs.ingress.public.deletion_protection": True, "ecs.ingress.internal.deletion_protection": True})
    first = for_first_deploy(config)
    assert first.ecs.ingress.public is not None
    assert first.ecs.ingress.internal is not None
    assert not first.ecs.ingress.public.deletion_protection
    assert not first.ecs.ingress.internal.deletion_protection


def test_queue_workers_are_checked_with_their_scaling() -> None:
    problems = _problems(
        {
            "ecs.services[web].autoscaling.backlog_per_task": 10,
            "ecs.services[worker].queue": {"existing_key_arn": "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab"},
        }
    )
    assert "ecs.services[web].autoscaling.backlog_per_task: backlog scaling needs the service's `queue`" in problems
    assert "ecs.services[worker].queue.existing_key_arn: applies to an existing queue: set existing_arn too" in problems
    existing = {"existing_arn": "arn:aws:sqs:eu-west-1:111111111111:jobs", "retention_days": 7}
    assert _problems({"ecs.services[worker].queue": existing}) == [
        "ecs.services[worker].queue.retention_days: applies to a queue berth creates; an existing queue keeps its own settings"
    ]
    assert _problems({"ecs.services[worker].task.container.environment": {"QUEUE_URL": "x"}}) == [
        "ecs.services[worker].task.container.environment: QUEUE_URL is set by berth to the service's queue: remove it"
    ]


def test_deployment_strategies_need_the_rule_they_shift() -> None:
    problems = _problems(
        {
            "ecs.services[worker].deployment": {"strategy": "canary"},
            "ecs.services[ledger].deployment": {"strategy": "blue_green", "percent": 20, "test_traffic_header": False},
        }
    )
    assert "ecs.services[worker].deployment.strategy: canary shifts traffic through a listener rule: it needs a `route`" in problems
    assert "ecs.services[ledger].deployment.percent: applies to canary and linear only, not blue_green" in problems
    prod = _problems({"ecs.services[web].deployment": {"strategy": "blue_green"}}, base="prod")
    assert prod == [
        "ecs.services[web].deployment.strategy: blue_green rewrites a listener rule; a load balancer of the service's own has none: "
        "give the service a `route` on ecs.ingress"
    ]
    (linear,) = _problems({"ecs.services[api].deployment": {"strategy": "linear", "percent": 1}})
    assert linear == "ecs.services[api].deployment.percent: a linear step moves 3 to 100 percent (got 1.0)"


def test_test_traffic_takes_the_priority_below_its_route() -> None:
    # api (priority 5) has test traffic at 4: a route at 4 collides with it.
    problems = _problems({"ecs.services[ledger].route": {"hosts": ["ledger.dev.berth.example.com"], "priority": 4, "ingress": "public"}})
    assert any(p.startswith("ecs.services[api].route.priority: priority 4 is also ledger's on ecs.ingress.public") for p in problems), (
        problems
    )


def test_service_connect_callers_are_members_and_servers_have_a_port() -> None:
    problems = _problems({"ecs.services[ledger].connect.callers": ["web", "worker", "ledger"]})
    assert (
        "ecs.services[ledger].connect.callers: worker is not a service with `connect` (those that have it: api, web); give it `connect: {}`"
        in problems
    )
    assert "ecs.services[ledger].connect.callers: ledger is this service" in problems
    (port,) = _problems({"ecs.services[worker].connect": {"callers": ["web"]}})
    assert port == "ecs.services[worker].connect.callers: a service others call needs a container port"
