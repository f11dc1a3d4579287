"""Private connectivity from the VPC to an Atlas project through AWS PrivateLink."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas

from components.data.access import store_security_group

# Atlas's PrivateLink service listens on a port per node in this range.
PORT_RANGE = (1024, 65535)


@dataclass(frozen=True)
class AtlasPrivateLinkArgs:
    """Inputs of :class:`AtlasPrivateLink`.

    Attributes:
        project_id: the Atlas project.
        region: the AWS region (the endpoint service lives there).
        vpc_id: the VPC.
        subnet_ids: the private subnets the interface endpoint sits in.
        source_security_group_id: the only group admitted to the endpoint (the workloads' group).
    """

    project_id: pulumi.Input[str]
    region: str
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    source_security_group_id: pulumi.Input[str]


class AtlasPrivateLink(pulumi.ComponentResource):
    """Atlas endpoint service -> interface VPC endpoint -> Atlas endpoint registration.

    :attr:`ready` is the registration; a cluster that depends on it comes up with its private
    connection strings.
    """

    ready: pulumi.Resource
    vpc_endpoint_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: AtlasPrivateLinkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:data:AtlasPrivateLink", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        service = atlas.PrivateLinkEndpoint(
            name, project_id=args.project_id, provider_name="AWS", region=args.region, opts=child
        )
        group = store_security_group(
            name,
            vpc_id=args.vpc_id,
            source_security_group_id=args.source_security_group_id,
            ports=PORT_RANGE,
            what="Atlas PrivateLink endpoint: MongoDB (node ports)",
            parent=self,
        )
        endpoint = aws.ec2.VpcEndpoint(
            name,
            vpc_id=args.vpc_id,
            service_name=service.endpoint_service_name,
            vpc_endpoint_type="Interface",
            subnet_ids=args.subnet_ids,
            security_group_ids=[group.id],
            tags={"Name": name},
            opts=child,
        )
        self.ready = atlas.PrivateLinkEndpointService(
            name,
            project_id=args.project_id,
            private_link_id=service.private_link_id,
            endpoint_service_id=endpoint.id,
            provider_name="AWS",
            opts=child,
        )
        self.vpc_endpoint_id = endpoint.id
        self.register_outputs({"vpc_endpoint_id": self.vpc_endpoint_id})
