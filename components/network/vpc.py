"""The environment's VPC: three subnet layers per AZ, gateways, routes, endpoints and flow logs."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext, checked_zones
from components.core.logs import encrypted_log_group
from components.network.cidr import plan_subnets
from components.network.endpoint_policies import interface_endpoint_policy
from components.network.spec import InterfaceEndpoint, NatStrategy, NetworkSpec


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of :class:`Network`.

    Attributes:
        spec: the validated network settings.
        context: account, partition and region.
        logs_key_arn: the environment's logs KMS key, for the flow-log group.
    """

    spec: NetworkSpec
    context: AwsContext
    logs_key_arn: pulumi.Input[str]


def _endpoint_policy(service: InterfaceEndpoint, ctx: AwsContext) -> pulumi.Output[str]:
    return pulumi.Output.all(ctx.partition, ctx.account_id).apply(
        lambda v: iam.dumps(interface_endpoint_policy(service, v[0], v[1]))
    )


class Network(pulumi.ComponentResource):
    """A VPC with public, private app and isolated data subnets in each AZ.

    * public subnets hold load balancers and NAT gateways only (tagged ``kubernetes.io/role/elb``);
    * app subnets hold cluster nodes and reach the internet through NAT (``kubernetes.io/role/internal-elb``);
    * data subnets have no route to the internet or to a NAT gateway: only the VPC and the S3 endpoint.

    The default security group is taken over and left with no rules, so nothing can use it by accident.
    """

    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    app_subnet_ids: pulumi.Output[list[str]]
    data_subnet_ids: pulumi.Output[list[str]]
    db_subnet_group_name: pulumi.Output[str]
    cache_subnet_group_name: pulumi.Output[str]
    endpoint_security_group_id: pulumi.Output[str] | None
    workload_security_group_id: pulumi.Output[str]
    availability_zones: list[pulumi.Output[str]]
    nat_public_ips: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:network:Network", name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self)
        plan = plan_subnets(spec.cidr, spec.az_count)
        # A plain (blocking) data source: a region short of zones stops the program here, before the VPC.
        zones = checked_zones(
            aws.get_availability_zones(
                state="available",
                filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
                opts=pulumi.InvokeOptions(parent=self),
            ).names,
            spec.az_count,
            args.context.region,
        )

        vpc = aws.ec2.Vpc(
            name,
            cidr_block=plan.vpc,
            enable_dns_hostnames=True,  # interface endpoints' private DNS needs both
            enable_dns_support=True,
            tags={"Name": name},
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[], opts=child)

        public, app, data = [], [], []
        for i in range(spec.az_count):
            zone = zones[i]
            public.append(
                self._subnet(
                    f"{name}-public-{i}", vpc, plan.public[i], zone, "public", {"kubernetes.io/role/elb": "1"}
                )
            )
            app.append(
                self._subnet(
                    f"{name}-app-{i}", vpc, plan.app[i], zone, "app", {"kubernetes.io/role/internal-elb": "1"}
                )
            )
            data.append(self._subnet(f"{name}-data-{i}", vpc, plan.data[i], zone, "data", {}))

        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{name}-igw"}, opts=child)
        public_rt = self._route_table(f"{name}-public", vpc, public)
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )

        nat_count = spec.az_count if spec.nat_gateways == NatStrategy.PER_AZ else 1
        nats, eips = [], []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{name}-nat-{i}", domain="vpc", tags={"Name": f"{name}-nat-{i}"}, opts=child)
            eips.append(eip)
            nats.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{i}",
                    allocation_id=eip.id,
                    subnet_id=public[i].id,
                    tags={"Name": f"{name}-nat-{i}"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )
        app_rts = []
        for i, subnet in enumerate(app):
            rt = self._route_table(f"{name}-app-{i}", vpc, [subnet])
            aws.ec2.Route(
                f"{name}-app-{i}-default",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[i % nat_count].id,
                opts=child,
            )
            app_rts.append(rt)
        # Data subnets: one table with only the implicit local route (and the S3 gateway endpoint).
        data_rt = self._route_table(f"{name}-data", vpc, data)

        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.context.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in [*app_rts, data_rt]],
            tags={"Name": f"{name}-s3"},
            opts=child,
        )
        workloads = self._workload_security_group(name, vpc)
        self.endpoint_security_group_id = None
        if spec.interface_endpoints:
            self.endpoint_security_group_id = self._interface_endpoints(name, args, vpc, app)

        db_group = aws.rds.SubnetGroup(
            f"{name}-db", subnet_ids=[s.id for s in data], description=f"{name} data subnets", opts=child
        )
        cache_group = aws.elasticache.SubnetGroup(
            f"{name}-cache", subnet_ids=[s.id for s in data], description=f"{name} data subnets", opts=child
        )
        if spec.flow_logs.enabled:
            self._flow_logs(name, args, vpc)

        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.app_subnet_ids = pulumi.Output.all(*[s.id for s in app])
        self.data_subnet_ids = pulumi.Output.all(*[s.id for s in data])
        self.workload_security_group_id = workloads.id
        self.db_subnet_group_name = db_group.name
        self.cache_subnet_group_name = cache_group.name
        # One entry per AZ / NAT gateway, so callers know the counts before anything runs.
        self.availability_zones = [pulumi.Output.from_input(zone) for zone in zones]
        self.nat_public_ips = [eip.public_ip for eip in eips]
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr": self.vpc_cidr,
                "public_subnet_ids": self.public_subnet_ids,
                "app_subnet_ids": self.app_subnet_ids,
                "data_subnet_ids": self.data_subnet_ids,
                "db_subnet_group_name": self.db_subnet_group_name,
                "cache_subnet_group_name": self.cache_subnet_group_name,
                "workload_security_group_id": self.workload_security_group_id,
                "availability_zones": self.availability_zones,
                "nat_public_ips": self.nat_public_ips,
            }
        )

    def _subnet(
        self,
        name: str,
        vpc: aws.ec2.Vpc,
        cidr: str,
        zone: pulumi.Input[str],
        layer: str,
        extra: dict[str, str],
    ) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            name,
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            map_public_ip_on_launch=False,  # nothing gets a public IP by accident, even in public subnets
            tags={"Name": name, "layer": layer, **extra},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _route_table(self, name: str, vpc: aws.ec2.Vpc, subnets: list[aws.ec2.Subnet]) -> aws.ec2.RouteTable:
        child = pulumi.ResourceOptions(parent=self)
        table = aws.ec2.RouteTable(name, vpc_id=vpc.id, tags={"Name": name}, opts=child)
        for i, subnet in enumerate(subnets):
            aws.ec2.RouteTableAssociation(
                f"{name}-{i}", route_table_id=table.id, subnet_id=subnet.id, opts=child
            )
        return table

    def _workload_security_group(self, name: str, vpc: aws.ec2.Vpc) -> aws.ec2.SecurityGroup:
        """The group the application side wears: cluster nodes carry it, data stores admit it.

        It admits nothing itself; its only rule lets members open connections out (to the data tier,
        endpoints and, through NAT, the internet).
        """
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            f"{name}-workloads",
            vpc_id=vpc.id,
            description="Application workloads: the source the data tier admits",
            tags={"Name": f"{name}-workloads"},
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-workloads-egress",
            security_group_id=group.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="-1",
            description="Outbound connections from workloads",
            opts=child,
        )
        return group

    def _interface_endpoints(
        self, name: str, args: NetworkArgs, vpc: aws.ec2.Vpc, subnets: list[aws.ec2.Subnet]
    ) -> pulumi.Output[str]:
        child = pulumi.ResourceOptions(parent=self)
        sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            vpc_id=vpc.id,
            description="Interface endpoints: HTTPS from inside the VPC only",
            tags={"Name": f"{name}-endpoints"},
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https",
            security_group_id=sg.id,
            cidr_ipv4=args.spec.cidr,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS from the VPC",
            opts=child,
        )
        for service in args.spec.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.value.replace('.', '-')}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.context.region}.{service.value}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in subnets],
                security_group_ids=[sg.id],
                policy=_endpoint_policy(service, args.context),
                tags={"Name": f"{name}-{service.value}"},
                opts=child,
            )
        return sg.id

    def _flow_logs(self, name: str, args: NetworkArgs, vpc: aws.ec2.Vpc) -> None:
        child = pulumi.ResourceOptions(parent=self)
        flow = args.spec.flow_logs
        group = encrypted_log_group(
            f"{name}-flow-logs",
            f"/platform/{name}/vpc-flow-logs",
            flow.retention_days,
            args.logs_key_arn,
            child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=args.context.account_id.apply(
                lambda account: iam.dumps(iam.service_trust("vpc-flow-logs.amazonaws.com", account))
            ),
            permissions_boundary=args.context.permissions_boundary,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=group.arn.apply(
                lambda arn: json.dumps(
                    iam.document(
                        {
                            "Effect": "Allow",
                            "Action": [
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogStreams",
                            ],
                            "Resource": [arn, f"{arn}:*"],
                        }
                    )
                )
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type=flow.traffic_type,
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            opts=child,
        )
