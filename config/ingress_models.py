"""How traffic reaches ECS services: load balancers (a service's own, or shared ones with
listener rules), the Route 53 zone berth writes records in, and the checks that need them
all at once (rule priorities, rules that can never match, host names outside the zone).

The limits checked here are Elastic Load Balancing's quotas
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html):
5 condition values per rule, 100 rules per load balancer, 25 certificates per listener
besides its default; and ACM's DNS validation, which needs a public hosted zone
(https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from ipaddress import IPv4Network
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from config import patterns
from config.errors import Problem, ProblemsError
from config.types import ConfigModel, RetentionDays

if TYPE_CHECKING:
    from config.models import ServiceConfig

IngressName = Literal["public", "internal"]
Host = Annotated[str, Field(pattern=patterns.HOST_NAME, max_length=253)]
PathPattern = Annotated[str, Field(pattern=patterns.PATH_PATTERN)]

CONDITION_VALUES_PER_RULE = 5
RULES_PER_LOAD_BALANCER = 100
CERTIFICATES_PER_LISTENER = 25  # besides the default one
PRIORITY_STEP = 10


class DomainConfig(ConfigModel):
    """A Route 53 public hosted zone, given by id and name (synth looks nothing up). berth
    issues DNS-validated ACM certificates for the services' host names through it and writes
    an alias record for each host name."""

    hosted_zone_id: str = Field(pattern=patterns.HOSTED_ZONE_ID)
    """The hosted zone's id (Route 53 console, or `aws route53 list-hosted-zones`)."""
    zone_name: str = Field(pattern=patterns.DNS_NAME, max_length=253)
    """The zone's name, e.g. dev.example.com: every host name must be in it."""

    def holds(self, host: str) -> bool:
        bare = host.removeprefix("*.")
        return bare == self.zone_name or bare.endswith("." + self.zone_name)


class LoadBalancerSettings(ConfigModel):
    """What every Application Load Balancer berth creates has: TLS, protection, timeouts, WAF."""

    certificate_arn: str | None = Field(default=None, pattern=patterns.CERTIFICATE_ARN)
    """An ACM certificate ARN: HTTPS on 443, and port 80 redirects to it. Not needed for
    host names in `ecs.domain`: berth issues their certificates."""
    allow_plain_http: bool = Field(default=False, description="Serve HTTP without TLS. An explicit dev-only choice.")
    deletion_protection: bool = True
    """Refuse to delete the load balancer (turn off to tear an environment down)."""
    idle_timeout_seconds: int = Field(default=60, ge=1, le=4000)
    """Seconds an idle connection stays open."""
    waf: bool = Field(default=True, description="An AWS WAF web ACL (managed rule groups, per-IP rate limit) in front of the ALB.")
    waf_log_retention_days: RetentionDays = 90
    """Days the web ACL's log group keeps its logs."""

    @model_validator(mode="after")
    def _one_tls_choice(self) -> LoadBalancerSettings:
        if self.certificate_arn is not None and self.allow_plain_http:
            raise ProblemsError([Problem("allow_plain_http", "with a certificate, HTTP only redirects to HTTPS; remove allow_plain_http")])
        return self


class LoadBalancerConfig(LoadBalancerSettings):
    """A public Application Load Balancer of the service's own (for a load balancer shared
    by several services, see `ecs.ingress` and a service's `route`)."""

    ingress_cidrs: tuple[IPv4Network, ...] = Field(default=(IPv4Network("0.0.0.0/0"),), min_length=1)
    """Who may reach the load balancer's listeners."""
    health_check_path: str = Field(default="/health", pattern=patterns.URL_PATH)
    """The target group's HTTP health-check path."""
    hosts: tuple[Host, ...] = Field(default=(), max_length=10)
    """Host names in `ecs.domain` this load balancer answers: berth issues their certificate
    and writes their alias records."""

    @model_validator(mode="after")
    def _tls(self) -> LoadBalancerConfig:
        if self.certificate_arn is None and not self.hosts and not self.allow_plain_http:
            message = (
                "a web service needs HTTPS: host names in ecs.domain (`hosts`), an ACM `certificate_arn`, "
                "or 'allow_plain_http: true' (dev only)"
            )
            raise ProblemsError([Problem("certificate_arn", message)])
        if self.hosts and self.allow_plain_http:
            raise ProblemsError(
                [Problem("allow_plain_http", "berth issues a certificate for `hosts`: HTTP only redirects; remove allow_plain_http")]
            )
        return self


class SharedIngressConfig(LoadBalancerSettings):
    """A load balancer several services share, each through listener rules (its `route`)."""

    ingress_cidrs: tuple[IPv4Network, ...] | None = Field(default=None, min_length=1)
    """Who may reach the listeners; unset: anywhere for the public load balancer, the VPC's
    CIDR for the internal one."""


class IngressesConfig(ConfigModel):
    """The environment's shared load balancers: an internet-facing one, an internal one, or both."""

    public: SharedIngressConfig | None = None
    """An internet-facing ALB in the public subnets."""
    internal: SharedIngressConfig | None = None
    """An internal ALB in the private subnets, reachable from inside the VPC only."""

    def get(self, name: IngressName) -> SharedIngressConfig | None:
        return self.public if name == "public" else self.internal


class RouteConfig(ConfigModel):
    """A service's listener rule on a shared load balancer: the requests it receives."""

    ingress: IngressName = "public"
    """Which shared load balancer: public or internal (`ecs.ingress`)."""
    hosts: tuple[Host, ...] = ()
    """Host names this service answers (any of them); in `ecs.domain` berth issues their
    certificate and writes their alias records."""
    paths: tuple[PathPattern, ...] = ()
    """Path patterns this service answers (any of them), e.g. /api/*."""
    priority: int | None = Field(default=None, ge=2, le=50000)
    """The rule's priority (lowest is evaluated first); unset: 10 times the service's position
    in `services`, so appending a service changes no other rule. A service with test traffic
    (`deployment.test_traffic_header`) also takes the priority one below."""
    health_check_path: str = Field(default="/health", pattern=patterns.URL_PATH)
    """The target group's HTTP health-check path."""

    @model_validator(mode="after")
    def _conditions(self) -> RouteConfig:
        problems = []
        if not self.hosts and not self.paths:
            problems.append(
                Problem("hosts", "a route needs hosts, paths or both (a rule that matches everything is the listener's default)")
            )
        if len(self.hosts) + len(self.paths) > CONDITION_VALUES_PER_RULE:
            problems.append(
                Problem(
                    "paths",
                    f"an ALB rule takes at most {CONDITION_VALUES_PER_RULE} condition values; this route has "
                    f"{len(self.hosts)} hosts and {len(self.paths)} paths: split it or use wildcards",
                )
            )
        for field, values in (("hosts", self.hosts), ("paths", self.paths)):
            if len(set(values)) != len(values):
                problems.append(Problem(field, "a value is listed twice"))
        if problems:
            raise ProblemsError(problems)
        return self


def route_priorities(services: tuple[ServiceConfig, ...]) -> dict[str, int]:
    """Each routed service's rule priority: its own, or 10 times its position in `services`."""
    return {
        s.name: s.route.priority if s.route.priority is not None else PRIORITY_STEP * (i + 1)
        for i, s in enumerate(services)
        if s.route is not None
    }


def _covers(patterns_: tuple[str, ...], values: tuple[str, ...]) -> bool:
    """Whether every request matching `values` also matches `patterns_` (empty: anything)."""
    if not patterns_:
        return True
    return bool(values) and all(any(fnmatchcase(v, p) for p in patterns_) for v in values)


def ingress_problems(ingress: IngressesConfig, domain: DomainConfig | None, services: tuple[ServiceConfig, ...]) -> list[Problem]:
    """Everything about load balancers that needs more than one service, or the domain."""
    problems: list[Problem] = []
    priorities = route_priorities(services)
    by_ingress: dict[str, list[tuple[int, int, ServiceConfig]]] = {"public": [], "internal": []}
    for i, s in enumerate(services):
        hosts = s.hosts
        where = f"services[{i}].route.hosts" if s.route else f"services[{i}].load_balancer.hosts"
        if hosts and domain is None:
            problems.append(Problem(where, "host names need ecs.domain (the hosted zone berth writes their records in)"))
        elif domain is not None:
            outside = [h for h in hosts if not domain.holds(h)]
            if outside:
                problems.append(Problem(where, f"{outside} are not in the hosted zone {domain.zone_name}"))
        if s.route is None:
            continue
        if ingress.get(s.route.ingress) is None:
            problems.append(Problem(f"services[{i}].route.ingress", f"ecs.ingress.{s.route.ingress} is not configured"))
            continue
        by_ingress[s.route.ingress].append((priorities[s.name], i, s))
    problems += _hosts_on_one_load_balancer(services)
    for name in ("public", "internal"):
        settings = ingress.get(name)  # type: ignore[arg-type]
        if settings is None:
            continue
        problems += _shared_problems(name, settings, domain, sorted(by_ingress[name], key=lambda r: r[0]))
    return problems


def _hosts_on_one_load_balancer(services: tuple[ServiceConfig, ...]) -> list[Problem]:
    """A host name has one alias record: it can point at one load balancer only."""
    owner: dict[str, str] = {}
    problems = []
    for i, s in enumerate(services):
        where = f"ecs.ingress.{s.route.ingress}" if s.route else f"{s.name}'s own load balancer"
        field = f"services[{i}].{'route' if s.route else 'load_balancer'}.hosts"
        for host in s.hosts:
            if owner.setdefault(host, where) != where:
                problems.append(Problem(field, f"{host} already points at {owner[host]}: a host name has one alias record"))
    return problems


def _shared_problems(
    name: str, settings: SharedIngressConfig, domain: DomainConfig | None, routes: list[tuple[int, int, ServiceConfig]]
) -> list[Problem]:
    where = f"ingress.{name}"
    if not routes:
        return [Problem(where, "no service routes to this load balancer: remove it, or give a service `route: {ingress: " + name + "}`")]
    problems: list[Problem] = []
    issued = list(dict.fromkeys(h for r in routes if r[2].route and domain is not None for h in r[2].route.hosts))
    if settings.certificate_arn is None and not issued and not settings.allow_plain_http:
        problems.append(
            Problem(
                f"{where}.certificate_arn",
                "needs HTTPS: routes with host names in ecs.domain, a `certificate_arn`, or 'allow_plain_http: true' (dev only)",
            )
        )
    if issued and settings.allow_plain_http:
        problems.append(Problem(f"{where}.allow_plain_http", "berth issues certificates for the routes' hosts: remove allow_plain_http"))
    if len(issued) > CERTIFICATES_PER_LISTENER + 1:
        message = (
            f"{len(issued)} host names, a certificate each: a listener takes {CERTIFICATES_PER_LISTENER + 1}; "
            "use a wildcard host (*.zone) for some"
        )
        problems.append(Problem(where, message))
    if len(routes) > RULES_PER_LOAD_BALANCER:
        problems.append(Problem(where, f"{len(routes)} routes: a load balancer takes {RULES_PER_LOAD_BALANCER} rules"))
    seen: dict[int, str] = {}
    for priority, i, s in routes:
        # A service with test traffic has a second rule, one priority ahead of its route's.
        test = s.deployment.test_traffic_header and s.deployment.strategy != "rolling"
        for taken, what in ((priority, s.name), *(((priority - 1, f"{s.name}'s test traffic"),) if test else ())):
            if taken in seen:
                message = f"priority {taken} is also {seen[taken]}'s on ecs.ingress.{name}: set `priority` on one of them"
                problems.append(Problem(f"services[{i}].route.priority", message, priority, True))
            seen.setdefault(taken, what)
    for k, (priority, i, s) in enumerate(routes):
        assert s.route is not None
        for earlier_priority, _, earlier in routes[:k]:
            assert earlier.route is not None
            if earlier_priority < priority and _covers(earlier.route.hosts, s.route.hosts) and _covers(earlier.route.paths, s.route.paths):
                message = (
                    f"never matched: '{earlier.name}' (priority {earlier_priority}) matches every request this route "
                    f"matches; give this route a lower `priority` (now {priority}) or list it before '{earlier.name}'"
                )
                problems.append(Problem(f"services[{i}].route", message))
                break
    return problems
