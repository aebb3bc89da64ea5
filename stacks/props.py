"""berth's config mapped onto the constructs' own props: the one place where config meets CDK.

Constructs never import `config/` (a test checks): each takes CDK types and its own frozen
props. These functions are the whole mapping, one per construct, with no other logic; a
stack calls them and composes the constructs.
"""

from __future__ import annotations

from typing import Any, Literal

from cdk_constructs.ec2_capacity import Ec2CapacityProps
from cdk_constructs.egress import EgressRule
from cdk_constructs.eks_capabilities import ArgoCdProps, ArgoCdRole, CapabilityProps
from cdk_constructs.eks_cluster import EksClusterProps
from cdk_constructs.eks_fargate import FargateProfileProps, FargateSelector
from cdk_constructs.eks_node_groups import NodeGroupProps, Taint
from cdk_constructs.grants import Permission
from cdk_constructs.image_repository import ImageRepositoryProps
from cdk_constructs.load_balancer import LoadBalancerProps
from cdk_constructs.network import NetworkProps
from cdk_constructs.scheduled_task import ScheduledTaskProps
from cdk_constructs.shared_files import SharedFilesProps
from cdk_constructs.task_definition import (
    Dependency,
    HealthCheckProps,
    ImageRef,
    LogRouterProps,
    Mount,
    SecretSource,
    SidecarProps,
    TaskProps,
)
from cdk_constructs.work_queue import QueueProps
from cdk_constructs.workload_service import AutoscalingProps, CapacityShare, ConnectProps, DeploymentProps, RouteProps, ServiceProps
from config.container_models import (
    REPOSITORY_ROOT,
    DependsOnConfig,
    EfsConfig,
    HealthCheckConfig,
    ImageConfig,
    MountConfig,
    SecretRef,
    TaskConfig,
)
from config.eks_models import CapabilitiesConfig, EksConfig, FargateProfileConfig, NodeGroupConfig
from config.iam import Permission as ConfigPermission
from config.images import repository_name
from config.ingress_models import LoadBalancerSettings, SharedIngressConfig
from config.models import (
    CapacityProviderItem,
    Ec2CapacityConfig,
    EcsConfig,
    EgressConfig,
    LoadBalancerConfig,
    NetworkConfig,
    QueueConfig,
    RepositoryConfig,
    ScheduledTaskConfig,
    ServiceConfig,
)


def network_props(network: NetworkConfig) -> NetworkProps:
    """The VPC berth creates (config refuses a missing nat_gateways unless the VPC exists)."""
    if network.nat_gateways is None:
        raise ValueError("network.nat_gateways is required for the VPC berth creates")
    return NetworkProps(
        cidr=str(network.cidr),
        nat_gateways=network.nat_gateways,
        public_subnet_mask=network.public_subnet_mask,
        private_subnet_mask=network.private_subnet_mask,
        flow_log_retention_days=network.flow_log_retention_days,
        interface_endpoints=network.interface_endpoints,
    )


def ec2_capacity_props(capacity: Ec2CapacityConfig, *, teardown_log_retention_days: int) -> Ec2CapacityProps:
    return Ec2CapacityProps(
        instance_type=capacity.instance_type,
        architecture="arm64" if capacity.architecture == "arm64" else "x86_64",
        min_capacity=capacity.min_capacity,
        max_capacity=capacity.max_capacity,
        os=capacity.os,
        ami_id=capacity.ami.id,
        root_volume_gib=capacity.root_volume_gib,
        target_capacity_percent=capacity.target_capacity_percent,
        instance_warmup_seconds=capacity.instance_warmup_seconds,
        gpus=capacity.gpus,
        teardown_log_retention_days=teardown_log_retention_days,
    )


def permissions(granted: tuple[ConfigPermission, ...]) -> tuple[Permission, ...]:
    return tuple(Permission(actions=p.actions, resources=p.resources, wildcard_reason=p.wildcard_reason) for p in granted)


def _image(image: ImageConfig, *, environment: str) -> ImageRef:
    """A created repository by its name (berth/<env>/<name>), a build directory as an absolute path."""
    return ImageRef(
        repository=image.repository,
        created_repository=repository_name(environment, image.created_repository) if image.created_repository else None,
        build_directory=str(REPOSITORY_ROOT / image.build.directory) if image.build else None,
        dockerfile=image.build.dockerfile if image.build else "Dockerfile",
        tag=image.tag,
        digest=image.digest,
    )


def _health(h: HealthCheckConfig) -> HealthCheckProps:
    return HealthCheckProps(
        command=h.command,
        interval_seconds=h.interval_seconds,
        timeout_seconds=h.timeout_seconds,
        retries=h.retries,
        start_period_seconds=h.start_period_seconds,
    )


def _secrets(secrets: dict[str, SecretRef]) -> dict[str, SecretSource]:
    return {
        name: SecretSource(secrets_manager_arn=s.secrets_manager_arn, json_key=s.json_key, ssm_parameter=s.ssm_parameter)
        for name, s in secrets.items()
    }


def _mounts(mounts: tuple[MountConfig, ...]) -> tuple[Mount, ...]:
    return tuple(Mount(volume=m.volume, path=m.path, read_only=m.read_only) for m in mounts)


def _dependencies(items: tuple[DependsOnConfig, ...]) -> tuple[Dependency, ...]:
    return tuple(Dependency(container=d.container, condition=d.condition) for d in items)


def task_props(task: TaskConfig, *, environment: str) -> TaskProps:
    c = task.container
    return TaskProps(
        cpu=task.cpu,
        memory_mib=task.memory_mib,
        architecture=task.architecture,
        image=_image(c.image, environment=environment),
        health_check=_health(c.health_check),
        port=c.port,
        command=c.command,
        user=c.user,
        scratch_paths=c.scratch_paths,
        sidecars=tuple(
            SidecarProps(
                name=s.name,
                image=_image(s.image, environment=environment),
                memory_mib=s.memory_mib,
                cpu=s.cpu,
                essential=s.essential,
                command=s.command,
                user=s.user,
                port=s.port,
                environment=dict(s.environment),
                secrets=_secrets(s.secrets),
                health_check=_health(s.health_check) if s.health_check else None,
                depends_on=_dependencies(s.depends_on),
                mounts=_mounts(s.mounts),
            )
            for s in task.sidecars
        ),
        volumes=tuple(v.name for v in task.volumes if v.efs is None),
        mounts=_mounts(c.mounts),
        depends_on=_dependencies(c.depends_on),
        environment=dict(c.environment),
        secrets=_secrets(c.secrets),
        permissions=permissions(task.permissions),
        log_retention_days=task.log_retention_days,
        gpus=c.gpus,
        log_router=LogRouterProps(
            image=_image(task.log_router.image, environment=environment),
            memory_mib=task.log_router.memory_mib,
            firehose_delivery_stream_arn=task.log_router.firehose_delivery_stream_arn,
        )
        if task.log_router
        else None,
    )


def shared_files_props(files: EfsConfig) -> SharedFilesProps:
    return SharedFilesProps(
        path=files.path,
        uid=files.uid,
        gid=files.gid,
        existing_file_system_id=files.existing_file_system_id,
        existing_access_point_id=files.existing_access_point_id,
        existing_security_group_id=files.existing_security_group_id,
    )


def capacity_shares(items: tuple[CapacityProviderItem, ...]) -> tuple[CapacityShare, ...]:
    return tuple(CapacityShare(provider=i.provider, base=i.base, weight=i.weight) for i in items)


def _settings(lb: LoadBalancerSettings) -> dict[str, Any]:
    """What a load balancer of a service's own and a shared one map alike."""
    return {
        "certificate_arn": lb.certificate_arn,
        "plain_http": lb.allow_plain_http,
        "deletion_protection": lb.deletion_protection,
        "idle_timeout_seconds": lb.idle_timeout_seconds,
        "waf": lb.waf,
        "waf_log_retention_days": lb.waf_log_retention_days,
    }


def load_balancer_props(lb: LoadBalancerConfig) -> LoadBalancerProps:
    return LoadBalancerProps(hosts=lb.hosts, ingress_cidrs=tuple(str(c) for c in lb.ingress_cidrs), **_settings(lb))


def shared_ingress_props(ecs: EcsConfig, name: str, lb: SharedIngressConfig, *, vpc_cidr: str) -> LoadBalancerProps:
    """A shared load balancer: certificates for every host its routes name, in order of first use."""
    routes = [s.route for s in ecs.services if s.route is not None and s.route.ingress == name]
    public = name == "public"
    return LoadBalancerProps(
        hosts=tuple(dict.fromkeys(h for r in routes for h in r.hosts)) if ecs.domain else (),
        internet_facing=public,
        shared=True,
        ingress_cidrs=tuple(str(c) for c in lb.ingress_cidrs) if lb.ingress_cidrs else ("0.0.0.0/0" if public else vpc_cidr,),
        **_settings(lb),
    )


def egress_rules(items: tuple[EgressConfig, ...]) -> tuple[EgressRule, ...]:
    return tuple(EgressRule(cidr=str(e.cidr), port=e.port, protocol=e.protocol, description=e.description) for e in items)


def service_props(service: ServiceConfig, *, priority: int | None = None) -> ServiceProps:
    """`priority`: the route's rule priority (`route_priorities`), for a service with a route."""
    a = service.autoscaling
    r = service.route
    return ServiceProps(
        name=service.name,
        desired_count=service.desired_count,
        autoscaling=AutoscalingProps(
            min_tasks=a.min_tasks,
            max_tasks=a.max_tasks,
            cpu_target_percent=a.cpu_target_percent,
            memory_target_percent=a.memory_target_percent,
            requests_per_target=a.requests_per_target,
            backlog_per_task=a.backlog_per_task,
            schedules=tuple((s.name, s.schedule, s.min_tasks, s.max_tasks) for s in a.schedules),
        ),
        capacity_provider_strategy=capacity_shares(service.capacity_provider_strategy),
        load_balancer=load_balancer_props(service.load_balancer) if service.load_balancer else None,
        route=RouteProps(priority=priority, hosts=r.hosts, paths=r.paths) if r and priority is not None else None,
        connect=ConnectProps(serve=bool(service.connect.callers), access_logs=service.connect.access_logs) if service.connect else None,
        deployment=DeploymentProps(
            strategy=service.deployment.strategy.upper(),  # type: ignore[arg-type]
            bake_minutes=service.deployment.bake_minutes,
            percent=service.deployment.percent,
            step_bake_minutes=service.deployment.step_bake_minutes,
            test_traffic_header=service.deployment.test_traffic_header,
        ),
        health_check_path=service.load_balancer.health_check_path if service.load_balancer else r.health_check_path if r else "/health",
        enable_execute_command=service.enable_execute_command,
        egress=egress_rules(service.egress),
        open_egress_reason=service.open_egress_reason,
    )


def image_repository_props(repository: RepositoryConfig, *, name: str) -> ImageRepositoryProps:
    return ImageRepositoryProps(repository_name=name, keep_images=repository.keep_images, untagged_days=repository.untagged_days)


def queue_props(queue: QueueConfig) -> QueueProps:
    return QueueProps(
        existing_arn=queue.existing_arn,
        existing_key_arn=queue.existing_key_arn,
        visibility_timeout_seconds=queue.visibility_timeout_seconds,
        retention_days=queue.retention_days,
        max_receive_count=queue.max_receive_count,
    )


def scheduled_task_props(task: ScheduledTaskConfig) -> ScheduledTaskProps:
    return ScheduledTaskProps(
        name=task.name,
        schedule=task.schedule,
        capacity_provider_strategy=capacity_shares(task.capacity_provider_strategy),
        egress=egress_rules(task.egress),
        open_egress_reason=task.open_egress_reason,
    )


def eks_cluster_props(eks: EksConfig) -> EksClusterProps:
    return EksClusterProps(
        cluster_name=eks.cluster_name,
        version=eks.version,
        support=eks.support,
        public_access_cidrs=tuple(str(c) for c in eks.endpoint.public_access_cidrs) if eks.endpoint.public_access else (),
        public_internet_acknowledged=eks.endpoint.allow_public_internet,
        log_retention_days=eks.log_retention_days,
        admins=eks.access.admins,
        viewers=eks.access.viewers,
        auto_mode_node_pools=eks.auto_mode.node_pools if eks.auto_mode.enabled else None,
        deletion_protection=eks.deletion_protection,
        zonal_shift=eks.zonal_shift,
        control_plane_tier=_TIERS[eks.control_plane_tier],
    )


_TIERS: dict[str, Literal["TIER_XL", "TIER_2_XL", "TIER_4_XL", "TIER_8_XL"] | None] = {
    "standard": None,
    "tier-xl": "TIER_XL",
    "tier-2xl": "TIER_2_XL",
    "tier-4xl": "TIER_4_XL",
    "tier-8xl": "TIER_8_XL",
}


def capability_props(capabilities: CapabilitiesConfig, *, vpc_cidr: str) -> tuple[CapabilityProps, ...]:
    """One per capability turned on, named as in the cluster (kro, ack, argocd)."""
    kro = (CapabilityProps(name="kro", type="KRO"),) if capabilities.kro else ()
    ack = (CapabilityProps(name="ack", type="ACK", permissions=permissions(capabilities.ack.permissions)),) if capabilities.ack else ()
    argo = capabilities.argo_cd
    argo_cd = (
        (
            CapabilityProps(
                name="argocd",
                type="ARGOCD",
                argo_cd=ArgoCdProps(
                    identity_center_instance_arn=argo.identity_center_instance_arn,
                    identity_center_region=argo.identity_center_region,
                    namespace=argo.namespace,
                    rbac=tuple(ArgoCdRole(role=r.role, groups=r.groups, users=r.users) for r in argo.rbac),
                    vpc_cidr=None if argo.public_endpoint else vpc_cidr,
                    client_cidrs=tuple(str(c) for c in argo.client_cidrs),
                ),
            ),
        )
        if argo
        else ()
    )
    return kro + ack + argo_cd


def node_group_props(group: NodeGroupConfig) -> NodeGroupProps:
    return NodeGroupProps(
        instance_types=group.instance_types,
        ami_type=group.ami_type,
        release_version=group.release_version,
        min_size=group.min_size,
        desired_size=group.desired_size,
        max_size=group.max_size,
        capacity_type=group.capacity_type,
        disk_gib=group.disk_gib,
        max_unavailable_percent=group.max_unavailable_percent,
        labels=dict(group.labels),
        taints=tuple(Taint(key=t.key, value=t.value, effect=t.effect) for t in group.taints),
        accelerator_taint=group.accelerator_taint,
        version=group.version,
    )


def fargate_profile_props(profile: FargateProfileConfig) -> FargateProfileProps:
    return FargateProfileProps(
        name=profile.name, selectors=tuple(FargateSelector(namespace=s.namespace, labels=dict(s.labels)) for s in profile.selectors)
    )
