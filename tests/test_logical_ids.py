"""Pinned logical ids of stateful and long-lived resources.

CloudFormation replaces a resource whose logical id changes: a renamed construct would
delete a KMS key, a log group, the cluster or a service. A refactor that moves one of these
must fail here first; change the pin only together with a deliberate migration.
"""

from __future__ import annotations

import pytest

from tests.assembly import Assembly
from tools.safe_changes import STATEFUL

PINNED_TYPES = set(STATEFUL)  # the one list of stateful types

NETWORK = {
    "NetworkVpc7FB7348F",
    "NetworkVpcprivateSubnet1Subnet9EC58498",
    "NetworkVpcprivateSubnet2Subnet6E5E8804",
    "NetworkVpcpublicSubnet1Subnet00617657",
    "NetworkVpcpublicSubnet2SubnetDCAA7C9A",
}
COMMON_ECS = {
    "Ec2CapacityGroupASGC037394E",
    "Ec2CapacityTeardownLogs27FAB511",
    "Key9BCD29C7",
    "NightlyReportTaskLogs81907FBC",
    "PlatformCluster6842C9C4",
    "PlatformExecLogsFF3A2BD5",
    "WebService5EA589E6",
    "WebTaskLogs827BAE3D",
    "WorkerService2180CF14",
    "WorkerTaskLogs85FC2155",
}
PINNED = {
    ("dev", "network"): {"Key9BCD29C7", "NetworkFlowLogs2BEC3212", *NETWORK},
    # dev's services share two load balancers (ecs.ingress); prod's web has its own.
    ("dev", "ecs"): COMMON_ECS
    | {
        "ApiService199661B5",
        "ApiTaskLogs3926C368",
        "InternalIngressAccessLogs8F3B0AD7",
        "LedgerServiceBB20B955",
        "LedgerTaskLogs48831971",
        "PublicIngressAccessLogs33006C50",
        "LedgerVolumeLedgerFilesFileSystem2E0732E6",
        "WorkerQueueCC1CC3A2",
        "WorkerQueueDeadLettersD3F541B6",
        # ec2_capacity_groups[gpu]: <Name>Capacity, beside ec2_capacity's Ec2Capacity.
        "GpuCapacityGroupASG3BF542E0",
        "EmbeddingsTaskLogs12FCD495",
    },
    ("dev", "images"): {"ApiRepositoryF340B4FB", "Key9BCD29C7"},
    ("dev", "eks"): {"EksClusterB2BDED5B", "EksControlPlaneLogsDB7AEF19", "Key9BCD29C7"},
    ("prod", "network"): {
        "Key9BCD29C7",
        "NetworkFlowLogs2BEC3212",
        *NETWORK,
        "NetworkVpcprivateSubnet3SubnetC252FE86",
        "NetworkVpcpublicSubnet3SubnetB6CE113A",
    },
    ("prod", "ecs"): COMMON_ECS | {"WebServiceIngressAccessLogs0A103C78", "WebServiceIngressWafLogsD773AE7E"},
    ("prod", "eks"): {
        "EksClusterB2BDED5B",
        "EksClusterNodegroupGeneralSpotE71CD495",
        "EksClusterNodegroupGpu3D7B5E4B",
        "EksClusterNodegroupInference0CFC0391",
        "EksClusterNodegroupSystem5F234B0D",
        "EksControlPlaneLogsDB7AEF19",
        "Key9BCD29C7",
    },
}


@pytest.mark.parametrize(("env", "suffix"), sorted(PINNED))
def test_logical_ids_are_pinned(assemblies: dict[str, Assembly], env: str, suffix: str) -> None:
    assembly = assemblies[env]
    resources = assembly.template_json(assembly.stack(suffix))["Resources"]
    found = {name for name, r in resources.items() if r["Type"] in PINNED_TYPES}
    assert found == PINNED[(env, suffix)]
