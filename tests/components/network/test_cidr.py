"""Subnet planning: pure functions, no mocks."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.network.cidr import cidr_problem, overlapping, plan_subnets


def test_plans_a_16_into_19_app_and_24_public_and_data_subnets():
    plan = plan_subnets("10.30.0.0/16", 3)
    assert plan.app == ("10.30.0.0/19", "10.30.32.0/19", "10.30.64.0/19")
    assert plan.public == ("10.30.128.0/24", "10.30.129.0/24", "10.30.130.0/24")
    assert plan.data == ("10.30.160.0/24", "10.30.161.0/24", "10.30.162.0/24")


def test_adding_an_az_keeps_existing_subnets():
    two, three = plan_subnets("10.10.0.0/16", 2), plan_subnets("10.10.0.0/16", 3)
    assert three.app[:2] == two.app
    assert three.public[:2] == two.public
    assert three.data[:2] == two.data


@given(
    octet=st.integers(min_value=0, max_value=255),
    prefix=st.integers(min_value=16, max_value=20),
    azs=st.integers(min_value=1, max_value=4),
)
def test_subnets_never_overlap_and_stay_inside_the_vpc(octet, prefix, azs):
    vpc = ipaddress.ip_network(f"10.{octet}.0.0/{prefix}", strict=False)
    plan = plan_subnets(str(vpc), azs)
    nets = [ipaddress.ip_network(c) for c in plan.all()]
    assert len(nets) == 3 * azs
    assert all(n.subnet_of(vpc) for n in nets)
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
    assert all(n.prefixlen <= 28 for n in nets)  # AWS's smallest subnet


@pytest.mark.parametrize(
    ("cidr", "fragment"),
    [
        ("10.0.0.1/16", "not a valid IPv4 network"),
        ("10.0.0.0/33", "not a valid IPv4 network"),
        ("8.8.0.0/16", "private"),
        ("10.0.0.0/8", "prefix must be /16 to /20"),
        ("10.0.0.0/24", "prefix must be /16 to /20"),
        ("banana", "not a valid IPv4 network"),
    ],
)
def test_rejects_cidrs_a_vpc_cannot_have(cidr, fragment):
    assert fragment in (cidr_problem(cidr) or "")


def test_finds_overlapping_networks():
    assert overlapping("10.10.0.0/16", ["10.10.128.0/17", "10.20.0.0/16"]) == ["10.10.128.0/17"]
