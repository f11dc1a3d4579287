"""Every connection a product pod is configured to open is allowed by the product NetworkPolicies.

The stores' security groups say which ports they admit from the workloads' group; the resources that
wear those groups say which subnets they sit in. For each such store, a pod in ``product`` must be
allowed egress to an address of each of those subnets on the lowest, highest and a middle port of the
range. DNS to CoreDNS and HTTPS to the interface endpoints (app subnets) and the internet complete the set.
"""

from __future__ import annotations

import ipaddress

import pytest

from components.cluster.network_policies import egress_allowed
from tests.conftest import STACKS, stack_run
from tests.helpers import inputs, of_type

INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
# Resource types that wear security groups: (groups input, subnets input or subnet-group input).
WEARERS = {
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("securityGroupIds", "subnetIds", None),
    "aws:rds/proxy:Proxy": ("vpcSecurityGroupIds", "vpcSubnetIds", None),
    "aws:rds/instance:Instance": ("vpcSecurityGroupIds", None, "dbSubnetGroupName"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("securityGroupIds", None, "subnetGroupName"),
}
SUBNET_GROUPS = ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup")


def _product_policies(resources) -> dict[str, dict]:
    return {
        inputs(r)["metadata"]["name"]: inputs(r)["spec"]
        for r in of_type(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if inputs(r)["metadata"]["namespace"] == "product"
    }


def _a_host(cidr: str) -> str:
    return str(ipaddress.ip_network(cidr)[10])


def needed_connections(resources) -> list[tuple[str, str, int]]:
    """``(what, address, port)`` for every store port the workloads' group is admitted to."""
    subnet_cidr = {
        f"{r.name}-id": inputs(r)["cidrBlock"] for r in of_type(resources, "aws:ec2/subnet:Subnet")
    }
    group_subnets = {r.name: inputs(r)["subnetIds"] for t in SUBNET_GROUPS for r in of_type(resources, t)}
    workloads = next(
        r for r in of_type(resources, "aws:ec2/securityGroup:SecurityGroup") if r.name.endswith("-workloads")
    )
    needed = []
    for rule in of_type(resources, INGRESS_RULE):
        args = inputs(rule)
        if args.get("referencedSecurityGroupId") != f"{workloads.name}-id":
            continue
        low, high = int(args["fromPort"]), int(args["toPort"])
        for kind, (groups_key, subnets_key, group_key) in WEARERS.items():
            for wearer in of_type(resources, kind):
                w = inputs(wearer)
                if args["securityGroupId"] not in w.get(groups_key, []):
                    continue
                subnets = w[subnets_key] if subnets_key else group_subnets[w[group_key]]
                for subnet in subnets:
                    for port in sorted({low, (low + high) // 2, high}):
                        needed.append((f"{rule.name} via {wearer.name}", _a_host(subnet_cidr[subnet]), port))
    return needed


@pytest.mark.parametrize("stack", STACKS)
def test_every_store_port_the_workloads_may_reach_is_allowed_by_the_network_policies(stack):
    resources = stack_run(stack).resources
    policies = _product_policies(resources)
    needed = needed_connections(resources)
    assert needed, "the stack configures stores the workloads connect to"
    blocked = [
        (what, address, port)
        for what, address, port in needed
        if not egress_allowed(policies, port, address=address)
    ]
    assert blocked == []


def test_prod_needs_postgres_proxy_redis_and_the_atlas_port_range():
    ports = {port for _, _, port in needed_connections(stack_run("prod").resources)}
    assert {5432, 6379, 1024, 65535} <= ports


@pytest.mark.parametrize("stack", STACKS)
def test_dns_and_https_to_aws_endpoints_and_the_internet_are_allowed(stack):
    resources = stack_run(stack).resources
    policies = _product_policies(resources)
    dns = {"namespace": {"kubernetes.io/metadata.name": "kube-system"}, "pod": {"k8s-app": "kube-dns"}}
    assert egress_allowed(policies, 53, protocol="UDP", labels=dns)
    assert egress_allowed(policies, 53, protocol="TCP", labels=dns)
    endpoint_subnets = {
        s
        for r in of_type(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if inputs(r).get("vpcEndpointType") == "Interface"
        for s in inputs(r)["subnetIds"]
    }
    cidrs = {f"{r.name}-id": inputs(r)["cidrBlock"] for r in of_type(resources, "aws:ec2/subnet:Subnet")}
    for subnet in endpoint_subnets:
        assert egress_allowed(policies, 443, address=_a_host(cidrs[subnet])), subnet
    assert egress_allowed(policies, 443, address="52.95.194.10")  # a public AWS API address


@pytest.mark.parametrize("stack", STACKS)
def test_the_old_mongodb_port_to_the_data_subnets_is_not_what_atlas_uses(stack):
    """Regression: 27017 to the data subnets was allowed while the Atlas endpoint is in the app subnets."""
    resources = stack_run(stack).resources
    policies = _product_policies(resources)
    data = [inputs(r)["cidrBlock"] for r in of_type(resources, "aws:ec2/subnet:Subnet") if "-data-" in r.name]
    assert all(not egress_allowed(policies, 27017, address=_a_host(c)) for c in data)
