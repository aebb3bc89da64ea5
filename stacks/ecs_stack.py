"""The ECS stack: cluster, capacity, workloads (web, worker, scheduled), alarms."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from cdk_constructs.alarm_topic import AlarmTopic
from cdk_constructs.dashboard import DashboardService, PlatformDashboard
from cdk_constructs.domain import import_zone
from cdk_constructs.ec2_capacity import ContainerInstanceCapacity
from cdk_constructs.ecs_cluster import PlatformCluster
from cdk_constructs.load_balancer import ApplicationIngress
from cdk_constructs.ordering import AfterCapacityProviderAssociation, order_after_capacity_providers
from cdk_constructs.platform_key import PlatformKey
from cdk_constructs.removal import removal_policy
from cdk_constructs.scheduled_task import ScheduledTask
from cdk_constructs.shared_files import SharedFiles
from cdk_constructs.shared_vpc import import_vpc
from cdk_constructs.task_definition import EfsVolume, WorkloadTaskDefinition
from cdk_constructs.work_queue import WorkQueue
from cdk_constructs.workload_service import WorkloadService
from config.ingress_models import route_priorities
from config.models import PlatformConfig, Workload
from stacks.base import BerthStack
from stacks.config_paths import pascal
from stacks.props import (
    ec2_capacity_props,
    queue_props,
    scheduled_task_props,
    service_props,
    shared_files_props,
    shared_ingress_props,
    task_props,
)


class EcsStack(BerthStack):
    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(
            scope, construct_id, config=config, description=f"berth {config.name}: ECS cluster, capacity and workloads", **kwargs
        )
        env = config.name
        self._environment = env
        removal = removal_policy(config.removal_policy)
        key = PlatformKey(
            self, "Key", alias=f"alias/berth/{env}/ecs", description=f"berth {env} ECS: logs, Exec, alarms, EBS", removal_policy=removal
        )
        key.allow_auto_scaling()
        vpc = import_vpc(self, "Vpc", environment=env, availability_zones=config.availability_zones, cidr=str(config.network.cidr))
        alarms = AlarmTopic(
            self, "Alarms", email_subscriptions=config.alarms.email_subscriptions, alarm_name_prefix=f"berth-{env}-", key=key
        )
        platform = PlatformCluster(
            self,
            "Platform",
            vpc=vpc,
            exec_log_retention_days=config.ecs.cluster.exec.log_retention_days,
            key=key.key,
            removal_policy=removal,
        )
        cluster = platform.cluster
        # EC2 is ec2_capacity (construct id Ec2Capacity, as before there were groups: renaming
        # it would replace prod's Auto Scaling group); each further group is <Name>Capacity.
        providers = {
            provider: ContainerInstanceCapacity(
                self,
                "Ec2Capacity" if provider == "EC2" else f"{pascal(provider)}Capacity",
                cluster=cluster,
                # The teardown function's log is kept as long as the cluster's Exec audit log.
                props=ec2_capacity_props(group, teardown_log_retention_days=config.ecs.cluster.exec.log_retention_days),
                key=key.key,
                notifications=alarms.topic,
                region=config.region,
                removal_policy=removal,
            ).capacity_provider
            for provider, group in config.ecs.cluster.ec2_groups.items()
        }
        # Each service and schedule, after aws-cdk-lib's own aspect creates the association.
        ordering = AfterCapacityProviderAssociation()
        CfnOutput(self, "ClusterName", value=cluster.cluster_name)
        CfnOutput(self, "ClusterArn", value=cluster.cluster_arn)

        domain = config.ecs.domain
        zone = import_zone(self, "Zone", hosted_zone_id=domain.hosted_zone_id, zone_name=domain.zone_name) if domain else None
        shared: dict[str, ApplicationIngress] = {}
        for ingress_name, settings in (("public", config.ecs.ingress.public), ("internal", config.ecs.ingress.internal)):
            if settings is None:
                continue
            shared[ingress_name] = ApplicationIngress(
                self,
                f"{pascal(ingress_name)}Ingress",
                name=f"berth-{env}-{ingress_name}",
                vpc=vpc,
                props=shared_ingress_props(config.ecs, ingress_name, settings, vpc_cidr=str(config.network.cidr)),
                key=key.key,
                removal_policy=removal,
                zone=zone,
                alarm_topic=alarms.topic,
            )
            CfnOutput(self, f"{pascal(ingress_name)}LoadBalancerDns", value=shared[ingress_name].load_balancer.load_balancer_dns_name)
        priorities = route_priorities(config.ecs.services)

        # Service Connect's namespace: one per environment, when a service uses it.
        namespace = (
            servicediscovery.HttpNamespace(self, "Namespace", name=f"berth-{env}", description=f"berth {env}: Service Connect")
            if any(s.connect for s in config.ecs.services)
            else None
        )
        workloads: dict[str, WorkloadService] = {}
        on_dashboard: list[DashboardService] = []
        balancers = [(f"{name} load balancer", ingress.load_balancer) for name, ingress in shared.items()]
        for service in config.ecs.services:
            name = pascal(service.name)
            files = self._shared_files(service, vpc=vpc, key=key, removal=removal)
            task = self._task_definition(service, key=key, removal=removal, enable_exec=service.enable_execute_command, files=files)
            queue = (
                WorkQueue(
                    self,
                    f"{name}Queue",
                    props=queue_props(service.queue),
                    key=key.key,
                    removal_policy=removal,
                    alarm_topic=alarms.topic,
                    alarm_prefix=f"berth-{env}-{service.name}",
                )
                if service.queue
                else None
            )
            workload = WorkloadService(
                self,
                f"{name}Service",
                props=service_props(service, priority=priorities.get(service.name)),
                environment=env,
                cluster=cluster,
                ec2_providers=providers,
                task=task,
                alarm_topic=alarms.topic,
                cluster_exec_logs=platform.exec_log_group,
                key=key.key,
                removal_policy=removal,
                shared_ingress=shared[service.route.ingress] if service.route else None,
                zone=zone,
                queue=queue.queue if queue else None,
                namespace=namespace,
            )
            workloads[service.name] = workload
            order_after_capacity_providers(ordering, workload.service.node.default_child)
            for shared_files in files.values():
                shared_files.allow_from(workload.security_group)
            CfnOutput(self, f"{name}ServiceName", value=workload.service.service_name)
            on_dashboard.append(DashboardService(name=service.name, target_group=workload.target_group))
            if workload.load_balancer is not None:
                CfnOutput(self, f"{name}LoadBalancerDns", value=workload.load_balancer.load_balancer.load_balancer_dns_name)
                balancers.append((f"{service.name}'s load balancer", workload.load_balancer.load_balancer))
        for service in config.ecs.services:
            for caller in service.connect.callers if service.connect else ():
                workloads[service.name].allow_calls_from(workloads[caller])
        PlatformDashboard(
            self,
            "Dashboard",
            dashboard_name=f"berth-{env}",
            cluster_name=cluster.cluster_name,
            services=tuple(on_dashboard),
            load_balancers=tuple(balancers),
            capacity_providers=tuple(p.capacity_provider_name for p in providers.values()),
        )
        CfnOutput(
            self,
            "DashboardUrl",
            value=f"https://{config.region}.console.aws.amazon.com/cloudwatch/home?region={config.region}#dashboards:name=berth-{env}",
        )

        for scheduled in config.ecs.scheduled_tasks:
            files = self._shared_files(scheduled, vpc=vpc, key=key, removal=removal)
            task = self._task_definition(scheduled, key=key, removal=removal, files=files)
            run = ScheduledTask(
                self,
                f"{pascal(scheduled.name)}Schedule",
                props=scheduled_task_props(scheduled),
                cluster=cluster,
                ec2_providers=providers,
                task=task,
            )
            order_after_capacity_providers(ordering, run.rule.node.default_child)
            for shared_files in files.values():
                shared_files.allow_from(run.security_group)

    def _shared_files(self, workload: Workload, *, vpc: ec2.IVpc, key: PlatformKey, removal: RemovalPolicy) -> dict[str, SharedFiles]:
        return {
            v.name: SharedFiles(
                self,
                f"{pascal(workload.name)}Volume{pascal(v.name)}",
                vpc=vpc,
                key=key.key,
                removal_policy=removal,
                props=shared_files_props(v.efs),
            )
            for v in workload.task.volumes
            if v.efs is not None
        }

    def _task_definition(
        self,
        workload: Workload,
        *,
        key: PlatformKey,
        removal: RemovalPolicy,
        enable_exec: bool = False,
        files: dict[str, SharedFiles] | None = None,
    ) -> WorkloadTaskDefinition:
        return WorkloadTaskDefinition(
            self,
            f"{pascal(workload.name)}Task",
            workload=workload.name,
            props=task_props(workload.task, environment=self._environment),
            fargate=not workload.on_ec2,
            key=key.key,
            removal_policy=removal,
            enable_exec=enable_exec,
            efs_volumes={n: EfsVolume(file_system=f.file_system, access_point=f.access_point) for n, f in (files or {}).items()},
        )
