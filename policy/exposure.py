"""No public exposure: databases, caches, buckets and security groups stay private."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from components.core.iam import wildcard_principals
from policy.model import UNKNOWN, Resource, ResourceRule, is_set, is_true, items, number

RDS_INSTANCE = "aws:rds/instance:Instance"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
ATLAS_ACCESS_LIST = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"

ANYWHERE = ("0.0.0.0/0", "::/0")
LOAD_BALANCER_PORTS = (80, 443)
"""The only ports open to the internet: the load balancer's HTTP (redirect) and HTTPS listeners."""

_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
_PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")


def open_to_internet_problem(protocol: Any, from_port: Any, to_port: Any, cidrs: list[Any]) -> str | None:
    """Why an ingress rule from ``cidrs`` is too open, or ``None``.

    Only TCP 80 and 443 (a single port each) may be reached from anywhere.
    """
    if not any(c in ANYWHERE for c in cidrs):
        return None
    low, high = number(from_port), number(to_port)
    proto = str(protocol).lower()
    if proto in ("tcp", "6") and low == high and low in LOAD_BALANCER_PORTS:
        return None
    where = "all ports" if proto in ("-1", "all") else f"{proto} {from_port}-{to_port}"
    return f"ingress from {', '.join(c for c in cidrs if c in ANYWHERE)} on {where}; only the load balancer's tcp 80/443 may be public"


def _rds(r: Resource) -> list[str]:
    return ["publiclyAccessible must be false"] if r.get("publiclyAccessible") is True else []


def _redis(r: Resource) -> list[str]:
    problems = []
    if not is_set(r.get("subnetGroupName")):
        problems.append("subnetGroupName must place the cache in the VPC's data subnets")
    if not is_set(r.get("securityGroupIds")):
        problems.append("securityGroupIds must restrict who reaches the cache")
    return problems


def _access_block(r: Resource) -> list[str]:
    return [f"{flag} must be true" for flag in _BLOCK_FLAGS if not is_true(r.get(flag))]


def _bucket_policy(r: Resource) -> list[str]:
    document = r.get("policy")
    if document is UNKNOWN or document is None:
        return []
    parsed = json.loads(document) if isinstance(document, str) else document
    public = [s for s in wildcard_principals(parsed) if not s.get("Condition")]
    return [f"statement {s.get('Sid', '?')!r} allows any principal without a condition" for s in public]


def _bucket_acl(r: Resource) -> list[str]:
    acl = r.get("acl")
    return [f"acl {acl!r} makes the bucket public"] if acl in _PUBLIC_ACLS else []


def _ingress_rule(r: Resource) -> list[str]:
    problem = open_to_internet_problem(
        r.get("ipProtocol"), r.get("fromPort"), r.get("toPort"), [r.get("cidrIpv4"), r.get("cidrIpv6")]
    )
    return [problem] if problem else []


def _sg_rule(r: Resource) -> list[str]:
    if r.get("type") != "ingress":
        return []
    cidrs = items(r.get("cidrBlocks")) + items(r.get("ipv6CidrBlocks"))
    problem = open_to_internet_problem(r.get("protocol"), r.get("fromPort"), r.get("toPort"), cidrs)
    return [problem] if problem else []


def _security_group(r: Resource) -> list[str]:
    problems = []
    for i, rule in enumerate(items(r.get("ingress"))):
        view = Resource(r.type, r.name, rule if isinstance(rule, dict) else {})
        cidrs = items(view.get("cidrBlocks")) + items(view.get("ipv6CidrBlocks"))
        problem = open_to_internet_problem(
            view.get("protocol"), view.get("fromPort"), view.get("toPort"), cidrs
        )
        if problem:
            problems.append(f"ingress[{i}]: {problem}")
    return problems


def _atlas_access(r: Resource) -> list[str]:
    return (
        ["cidrBlock 0.0.0.0/0 opens the database to the internet"] if r.get("cidrBlock") in ANYWHERE else []
    )


EXPOSURE_CHECKS: dict[str, Callable[[Resource], list[str]]] = {
    RDS_INSTANCE: _rds,
    REDIS: _redis,
    PUBLIC_ACCESS_BLOCK: _access_block,
    BUCKET_POLICY: _bucket_policy,
    BUCKET_ACL: _bucket_acl,
    INGRESS_RULE: _ingress_rule,
    SG_RULE: _sg_rule,
    SECURITY_GROUP: _security_group,
    ATLAS_ACCESS_LIST: _atlas_access,
}


def _exposure(r: Resource) -> list[str]:
    check = EXPOSURE_CHECKS.get(r.type)
    return check(r) if check else []


NO_PUBLIC_EXPOSURE = ResourceRule(
    "no-public-exposure",
    "Databases, caches and buckets are not public; security groups admit the internet only on the load "
    "balancer's 80/443.",
    _exposure,
)
