"""How stacks share the VPC: SSM parameters, not CloudFormation exports.

A plain cross-stack reference becomes an Export/ImportValue pair, and CloudFormation then
refuses to change or delete the exporting resource while any stack imports it: replacing a
subnet would need a three-step deploy. Instead the network stack writes the ids to SSM
parameters and consumers read them as `AWS::SSM::Parameter::Value<...>` template parameters,
resolved by CloudFormation at deploy time (no look-up at synth, no credentials needed). The
price: the consumer must be redeployed to pick up new ids, and the deploy order is explicit
(`add_dependency`), not inferred.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Fn, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ssm as ssm
from constructs import Construct


def parameter_prefix(environment: str) -> str:
    return f"/berth/{environment}/network"


def _lists(vpc: ec2.IVpc) -> dict[str, list[str]]:
    return {
        "private-subnet-ids": [s.subnet_id for s in vpc.private_subnets],
        "public-subnet-ids": [s.subnet_id for s in vpc.public_subnets],
    }


class VpcParameters(Construct):
    """Writes the VPC id and subnet ids of `vpc` under `/berth/<env>/network/`."""

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, environment: str) -> None:
        super().__init__(scope, construct_id)
        prefix = parameter_prefix(environment)
        ssm.StringParameter(self, "VpcId", parameter_name=f"{prefix}/vpc-id", string_value=vpc.vpc_id, description="berth VPC id")
        for name, values in _lists(vpc).items():
            ssm.StringListParameter(
                self,
                name,
                parameter_name=f"{prefix}/{name}",
                string_list_value=values,
                description=f"berth {name.replace('-', ' ')}, in availability-zone order",
            )


def import_vpc(
    scope: Construct, construct_id: str, *, environment: str, availability_zones: tuple[str, ...], cidr: str, public_subnets: bool = True
) -> ec2.IVpc:
    """An IVpc whose ids CloudFormation reads from the network stack's SSM parameters.

    `public_subnets=False` for a consumer that places nothing in them (no unused parameter).
    """
    prefix = parameter_prefix(environment)
    vpc_id = ssm.StringParameter.value_for_string_parameter(scope, f"{prefix}/vpc-id")

    def subnet_ids(name: str) -> list[str]:
        values = ssm.StringListParameter.value_for_typed_list_parameter(scope, f"{prefix}/{name}")
        return [Fn.select(i, values) for i in range(len(availability_zones))]

    return vpc_from_ids(
        scope,
        construct_id,
        vpc_id=vpc_id,
        cidr=cidr,
        availability_zones=availability_zones,
        private_subnet_ids=subnet_ids("private-subnet-ids"),
        public_subnet_ids=subnet_ids("public-subnet-ids") if public_subnets else None,
    )


def vpc_from_ids(
    scope: Construct,
    construct_id: str,
    *,
    vpc_id: str,
    cidr: str,
    availability_zones: Sequence[str],
    private_subnet_ids: Sequence[str],
    public_subnet_ids: Sequence[str] | None,
) -> ec2.IVpc:
    """An IVpc from ids, no look-up: the network stack's parameters (`import_vpc`), or a VPC
    berth does not create, as config gives them (`make preflight` checks those against the account)."""
    vpc = ec2.Vpc.from_vpc_attributes(
        scope,
        construct_id,
        vpc_id=vpc_id,
        vpc_cidr_block=cidr,
        availability_zones=list(availability_zones),
        private_subnet_ids=list(private_subnet_ids),
        public_subnet_ids=None if public_subnet_ids is None else list(public_subnet_ids),
    )
    for subnet in (*vpc.private_subnets, *vpc.public_subnets):
        Validations.of(subnet).acknowledge(
            Acknowledgment(
                id="Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId",
                reason="Consumers place ENIs in these subnets and never route; route tables stay in the network stack.",
            )
        )
    return vpc
