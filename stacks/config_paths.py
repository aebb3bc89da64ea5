"""Which config entry each top-level construct of a stack comes from.

Construct ids follow config names (`WebService` is `ecs.services[web]`), so a construct path
names its config field. Two readers: a failed synth's message names the field behind the
construct that was being built, and every synthesized stack records the field on each
top-level construct as `berth:config` metadata (in the assembly, not the template), which
the review and the diagrams read to name resources as the config does.
"""

from __future__ import annotations

from config.models import PlatformConfig

# The metadata type on a construct: its data is the config field, e.g. "ecs.services[web]".
CONFIG_METADATA = "berth:config"


def pascal(name: str) -> str:
    """ "nightly-report" -> "NightlyReport", for construct ids."""
    return "".join(part.capitalize() for part in name.split("-"))


def config_field(path: str, config: PlatformConfig) -> str | None:
    """The config entry a construct path comes from, where construct ids follow config names."""
    parts = path.split("/")
    if len(parts) < 2:
        return None
    stack, construct = parts[0], parts[1]
    ids: dict[str, str] = {}
    if stack.endswith("-ecs"):
        for s in config.ecs.services:
            ids |= {f"{pascal(s.name)}Service": f"ecs.services[{s.name}]", f"{pascal(s.name)}Task": f"ecs.services[{s.name}].task"}
        for t in config.ecs.scheduled_tasks:
            ids |= {
                f"{pascal(t.name)}Schedule": f"ecs.scheduled_tasks[{t.name}]",
                f"{pascal(t.name)}Task": f"ecs.scheduled_tasks[{t.name}].task",
            }
        for w in (*config.ecs.services, *config.ecs.scheduled_tasks):
            kind = "services" if w in config.ecs.services else "scheduled_tasks"
            ids |= {f"{pascal(w.name)}Volume{pascal(v.name)}": f"ecs.{kind}[{w.name}].task.volumes[{v.name}]" for v in w.task.volumes}
        ids |= {f"{pascal(s.name)}Queue": f"ecs.services[{s.name}].queue" for s in config.ecs.services if s.queue}
        ids |= {"PublicIngress": "ecs.ingress.public", "InternalIngress": "ecs.ingress.internal", "Zone": "ecs.domain"}
        ids |= {"Ec2Capacity": "ecs.cluster.ec2_capacity", "Platform": "ecs.cluster", "Alarms": "alarms"}
        ids |= {f"{pascal(g.name)}Capacity": f"ecs.cluster.ec2_capacity_groups[{g.name}]" for g in config.ecs.cluster.ec2_capacity_groups}
    elif stack.endswith("-eks") and config.eks is not None:
        eks = config.eks
        ids |= {pascal(g.name): f"eks.node_groups[{g.name}]" for g in eks.node_groups}
        ids |= {f"{pascal(p.name)}Fargate": f"eks.fargate_profiles[{p.name}]" for p in eks.fargate_profiles}
        ids |= {f"{pascal(p.name)}Identity": f"eks.pod_identities[{p.name}]" for p in eks.pod_identities}
        ids |= {"Eks": "eks", "Addons": "eks.addons", "KroCapability": "eks.capabilities.kro", "AckCapability": "eks.capabilities.ack"}
    elif stack.endswith("-images"):
        ids |= {f"{pascal(r.name)}Repository": f"ecs.repositories[{r.name}]" for r in config.ecs.repositories}
    elif stack.endswith("-network"):
        ids |= {"Network": "network"}
    return ids.get(construct)
