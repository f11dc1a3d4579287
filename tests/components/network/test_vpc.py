"""Network: subnet layers per AZ, isolated data subnets, NAT by strategy, flow logs, empty default SG."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from components.core.context import AwsContext
from components.network.spec import NetworkSpec
from components.network.vpc import Network, NetworkArgs
from tests.conftest import stack_run
from tests.helpers import inputs, of_type, one, policy

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
LOGS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/logs"


def build(runtime, **spec):
    def program():
        provider = aws.Provider("aws", region="ap-northeast-2")
        ctx = AwsContext.lookup("ap-northeast-2", provider)
        Network(
            "net",
            NetworkArgs(NetworkSpec(**{"cidr": "10.10.0.0/16", **spec}), ctx, LOGS_KEY),
            pulumi.ResourceOptions(providers=[provider]),
        )

    return runtime.run(program)


def layer(resources, name):
    return [r for r in of_type(resources, SUBNET) if inputs(r)["tags"]["layer"] == name]


@pytest.mark.parametrize(("stack", "azs"), [("dev", 2), ("staging", 2), ("prod", 3)])
def test_each_stack_has_a_public_app_and_data_subnet_per_az(stack, azs):
    resources = stack_run(stack).resources
    for name in ("public", "app", "data"):
        subnets = layer(resources, name)
        assert len(subnets) == azs
        assert len({inputs(s)["availabilityZone"] for s in subnets}) == azs


def test_subnets_carry_the_load_balancer_role_tags(mock_runtime):
    resources = build(mock_runtime, az_count=2)
    assert all(inputs(s)["tags"]["kubernetes.io/role/elb"] == "1" for s in layer(resources, "public"))
    assert all(inputs(s)["tags"]["kubernetes.io/role/internal-elb"] == "1" for s in layer(resources, "app"))
    assert all("kubernetes.io/role/elb" not in inputs(s)["tags"] for s in layer(resources, "data"))
    assert not any(inputs(s)["mapPublicIpOnLaunch"] for s in of_type(resources, SUBNET))


def test_subnet_cidrs_follow_the_plan(mock_runtime):
    resources = build(mock_runtime, az_count=2)
    assert sorted(inputs(s)["cidrBlock"] for s in layer(resources, "data")) == [
        "10.10.160.0/24",
        "10.10.161.0/24",
    ]


def test_data_subnets_have_no_route_to_an_internet_or_nat_gateway(mock_runtime):
    resources = build(mock_runtime, az_count=3)
    data_table = one(resources, "aws:ec2/routeTable:RouteTable", "net-data")
    data_subnet_ids = {f"{s.name}-id" for s in layer(resources, "data")}
    associations = [
        inputs(a)
        for a in of_type(resources, "aws:ec2/routeTableAssociation:RouteTableAssociation")
        if inputs(a)["subnetId"] in data_subnet_ids
    ]
    assert {a["routeTableId"] for a in associations} == {f"{data_table.name}-id"}
    routes_of_data_table = [
        r for r in of_type(resources, ROUTE) if inputs(r)["routeTableId"] == f"{data_table.name}-id"
    ]
    assert routes_of_data_table == []
    assert "routes" not in inputs(data_table) or not inputs(data_table)["routes"]


def test_app_subnets_route_to_the_internet_through_nat_only(mock_runtime):
    resources = build(mock_runtime, az_count=3)
    app_routes = [inputs(r) for r in of_type(resources, ROUTE) if "-app-" in r.name]
    assert len(app_routes) == 3
    assert all(r.get("natGatewayId") and not r.get("gatewayId") for r in app_routes)


@pytest.mark.parametrize(
    ("strategy", "azs", "expected"), [("single", 3, 1), ("perAz", 3, 3), ("perAz", 2, 2)]
)
def test_nat_gateway_count_follows_the_strategy(mock_runtime, strategy, azs, expected):
    resources = build(mock_runtime, az_count=azs, nat_gateways=strategy)
    nats = of_type(resources, "aws:ec2/natGateway:NatGateway")
    assert len(nats) == expected
    assert all(inputs(n)["subnetId"].startswith("net-public-") for n in nats)


def test_per_az_nat_keeps_each_az_on_its_own_gateway(mock_runtime):
    resources = build(mock_runtime, az_count=3, nat_gateways="perAz")
    app_routes = {r.name: inputs(r)["natGatewayId"] for r in of_type(resources, ROUTE) if "-app-" in r.name}
    assert app_routes == {f"net-app-{i}-default": f"net-nat-{i}-id" for i in range(3)}


def test_flow_logs_go_to_a_log_group_encrypted_with_the_logs_key(mock_runtime):
    resources = build(mock_runtime, az_count=2, flow_logs={"retention_days": 90})
    flow = inputs(one(resources, "aws:ec2/flowLog:FlowLog"))
    group = one(resources, "aws:cloudwatch/logGroup:LogGroup")
    assert flow["vpcId"] == "net-id"
    assert flow["trafficType"] == "ALL"
    assert flow["logDestination"] == f"arn:aws:mock:ap-northeast-2:123456789012:loggroup/{group.name}"
    assert inputs(group)["kmsKeyId"] == LOGS_KEY
    assert inputs(group)["retentionInDays"] == 90
    assert flow["iamRoleArn"]


def test_flow_log_role_is_assumable_only_by_the_flow_logs_service_of_this_account(mock_runtime):
    resources = build(mock_runtime, az_count=2)
    trust = policy(one(resources, "aws:iam/role:Role"), "assumeRolePolicy")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_flow_logs_can_be_turned_off(mock_runtime):
    resources = build(mock_runtime, az_count=2, flow_logs={"enabled": False})
    assert of_type(resources, "aws:ec2/flowLog:FlowLog") == []


def test_default_security_group_is_left_with_no_rules(mock_runtime):
    resources = build(mock_runtime, az_count=2)
    default_sg = inputs(one(resources, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"))
    assert default_sg["ingress"] == []
    assert default_sg["egress"] == []


def test_interface_endpoints_only_where_configured_with_their_own_security_group(mock_runtime):
    resources = build(mock_runtime, az_count=2, interface_endpoints=["ecr.api", "sts"])
    endpoints = [inputs(e) for e in of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")]
    interface = [e for e in endpoints if e["vpcEndpointType"] == "Interface"]
    assert sorted(e["serviceName"] for e in interface) == [
        "com.amazonaws.ap-northeast-2.ecr.api",
        "com.amazonaws.ap-northeast-2.sts",
    ]
    assert all(e["securityGroupIds"] == ["net-endpoints-id"] and e["privateDnsEnabled"] for e in interface)
    ingress = inputs(one(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"))
    assert (ingress["cidrIpv4"], ingress["fromPort"], ingress["toPort"]) == ("10.10.0.0/16", 443, 443)


def test_s3_gateway_endpoint_serves_app_and_data_route_tables(mock_runtime):
    resources = build(mock_runtime, az_count=2)
    (s3,) = [inputs(e) for e in of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")]
    assert s3["vpcEndpointType"] == "Gateway"
    assert sorted(s3["routeTableIds"]) == ["net-app-0-id", "net-app-1-id", "net-data-id"]


def test_subnet_groups_span_the_data_subnets(mock_runtime):
    resources = build(mock_runtime, az_count=3)
    for type_ in ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup"):
        assert sorted(inputs(one(resources, type_))["subnetIds"]) == [f"net-data-{i}-id" for i in range(3)]


def test_workload_security_group_admits_nothing(mock_runtime):
    resources = build(mock_runtime, az_count=2, interface_endpoints=["sts"])
    one(resources, "aws:ec2/securityGroup:SecurityGroup", "net-workloads")
    ingress = of_type(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert [inputs(r)["securityGroupId"] for r in ingress] == ["net-endpoints-id"]
    (egress,) = of_type(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert inputs(egress)["securityGroupId"] == "net-workloads-id"


@pytest.mark.parametrize(("stack", "nats"), [("dev", 1), ("staging", 1), ("prod", 3)])
def test_stacks_get_the_nat_gateways_their_files_ask_for(stack, nats):
    assert len(of_type(stack_run(stack).resources, "aws:ec2/natGateway:NatGateway")) == nats


def test_interface_endpoints_admit_only_this_accounts_principals(mock_runtime):
    resources = build(mock_runtime, az_count=2, interface_endpoints=["ecr.api", "sts", "secretsmanager"])
    interface = [
        e for e in of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint") if "Interface" in str(e.inputs)
    ]
    assert len(interface) == 3
    for endpoint in interface:
        first = policy(endpoint)["Statement"][0]
        assert first["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}
        assert (first["Principal"], first["Effect"]) == ("*", "Allow")


def test_sts_endpoint_lets_irsa_web_identities_assume_only_this_accounts_roles(mock_runtime):
    """IRSA calls carry a web-identity token, not AWS credentials: no aws:PrincipalAccount to match."""
    resources = build(mock_runtime, az_count=2, interface_endpoints=["sts", "kms"])
    by_service = {
        inputs(e)["serviceName"].rsplit(".", 1)[-1]: policy(e)
        for e in of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if inputs(e)["vpcEndpointType"] == "Interface"
    }
    federated = by_service["sts"]["Statement"][1]
    assert federated["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert federated["Resource"] == "arn:aws:iam::123456789012:role/*"
    assert len(by_service["kms"]["Statement"]) == 1


def test_s3_gateway_endpoint_keeps_the_default_policy(mock_runtime):
    """Nodes fetch OS packages from AWS's public buckets anonymously; an account condition would block them."""
    resources = build(mock_runtime, az_count=2)
    (s3,) = of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert "policy" not in inputs(s3)
