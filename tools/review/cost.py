"""Monthly on-demand cost of what a preview registers, from the price table in ``prices.json``.

Pure apart from :func:`load_prices`: takes the ``resources`` of a preview document (type, name, parent,
inputs) and prices what the stack runs. A resource whose size has no price (an instance type missing
from the table) is listed in ``unpriced`` by name — never counted as zero.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.core.catalog.kubernetes import EKS_SUPPORT_CALENDAR, SupportTier, run_date, support_tier

PRICES = Path(__file__).with_name("prices.json")


def load_prices(path: Path = PRICES) -> dict[str, Any]:
    prices: dict[str, Any] = json.loads(path.read_text())
    return prices


@dataclass(frozen=True)
class Line:
    resource: str
    type: str
    description: str
    monthly_usd: float
    monthly_usd_max: float | None = None
    """Where a resource scales (node groups): the cost at its maximum size."""
    source: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resource": self.resource,
            "type": self.type,
            "description": self.description,
            "monthly_usd": round(self.monthly_usd, 2),
        }
        if self.monthly_usd_max is not None:
            out["monthly_usd_max"] = round(self.monthly_usd_max, 2)
        out["source"] = self.source
        return out


@dataclass(frozen=True)
class Unpriced:
    resource: str
    type: str
    what: str

    def as_json(self) -> dict[str, str]:
        return {"resource": self.resource, "type": self.type, "what": self.what}


@dataclass(frozen=True)
class Estimate:
    stack: str
    lines: tuple[Line, ...]
    unpriced: tuple[Unpriced, ...]
    budget_usd: float | None = None
    assumptions: dict[str, str] = field(default_factory=dict)
    as_of: str = ""
    run_date: str = ""
    """The day the EKS support tier is priced on (``$PLATFORM_RUN_DATE`` or today, UTC)."""

    @property
    def total(self) -> float:
        return round(sum(line.monthly_usd for line in self.lines), 2)

    @property
    def total_max(self) -> float:
        return round(
            sum(
                line.monthly_usd if line.monthly_usd_max is None else line.monthly_usd_max
                for line in self.lines
            ),
            2,
        )

    @property
    def over_budget(self) -> bool:
        return self.budget_usd is not None and self.total > self.budget_usd

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "total_monthly_usd": self.total,
            "total_monthly_usd_at_max_scale": self.total_max,
            "budget_monthly_usd": self.budget_usd,
            "over_budget": self.over_budget,
            "prices_as_of": self.as_of,
            "support_tier_on": self.run_date,
            "lines": [line.as_json() for line in self.lines],
            "unpriced": [u.as_json() for u in self.unpriced],
            "assumptions": self.assumptions,
        }


def estimate(
    stack: str,
    resources: list[dict[str, Any]],
    prices: dict[str, Any],
    budget_usd: float | None = None,
    today: dt.date | None = None,
) -> Estimate:
    """Price the resources of one preview; the EKS control plane at its support tier on ``today``
    (default: the run date, :func:`components.core.catalog.kubernetes.run_date`)."""
    return _Pricer(resources, prices, today or run_date()).run(stack, budget_usd)


def _number(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class _Pricer:
    def __init__(self, resources: list[dict[str, Any]], prices: dict[str, Any], today: dt.date) -> None:
        self.today = today
        self.resources = sorted(resources, key=lambda r: r["urn"])
        self.p = prices
        self.hours = float(prices["hours_per_month"])
        self.lines: list[Line] = []
        self.unpriced: list[Unpriced] = []

    def hourly(self, key: str) -> tuple[float, str]:
        item = self.p["hourly"][key]
        return float(item["usd"]) * self.hours, str(item["source"])

    def monthly(self, key: str) -> tuple[float, str]:
        item = self.p["monthly"][key]
        return float(item["usd"]), str(item["source"])

    def assumption(self, key: str) -> float:
        return float(self.p["assumptions"][key]["value"])

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == resource_type]

    def add(
        self, r: dict[str, Any], description: str, usd: float, source: str, usd_max: float | None = None
    ) -> None:
        self.lines.append(Line(r["name"], r["type"], description, usd, usd_max, source))

    def run(self, stack: str, budget_usd: float | None) -> Estimate:
        for method in (
            self.eks,
            self.node_groups,
            self.nat,
            self.public_ips,
            self.endpoints,
            self.rds,
            self.rds_proxy,
            self.elasticache,
            self.albs,
            self.atlas,
            self.logs,
            self.buckets,
            self.registry,
            self.keys_and_secrets,
        ):
            method()
        assumptions = {k: str(v["why"]) for k, v in self.p["assumptions"].items()}
        return Estimate(
            stack,
            tuple(self.lines),
            tuple(self.unpriced),
            budget_usd,
            assumptions,
            self.p["as_of"],
            self.today.isoformat(),
        )

    def eks(self) -> None:
        for r in self.of_type("aws:eks/cluster:Cluster"):
            key, description = self._eks_support(r["inputs"])
            usd, src = self.hourly(key)
            self.add(r, description, usd, src)

    def _eks_support(self, inputs: dict[str, Any]) -> tuple[str, str]:
        """The price key and the line's words for the control plane's support tier on the run date."""
        version = str(inputs.get("version"))
        # AWS's default when the cluster sets no upgrade policy is EXTENDED (pulumi-aws 7.51.1 docs).
        support_type = str((inputs.get("upgradePolicy") or {}).get("supportType") or "EXTENDED")
        window = EKS_SUPPORT_CALENDAR.get(version)
        tier, on = support_tier(version, self.today), self.today.isoformat()
        head = f"EKS control plane, Kubernetes {version}"
        if tier is SupportTier.STANDARD:
            until = f" until {window.end_of_standard}" if window else ""
            return "eks_control_plane", f"{head}: standard support on {on}{until}"
        if tier is SupportTier.EXTENDED and support_type == "EXTENDED":
            since = f" since {window.end_of_standard}" if window else ""
            return "eks_control_plane_extended", f"{head}: EXTENDED support on {on}{since} (extended rate)"
        if tier is SupportTier.EXTENDED:
            return "eks_control_plane", (
                f"{head}: past standard support on {on}; supportType STANDARD, AWS upgrades it (standard rate)"
            )
        if tier is SupportTier.ENDED:
            return (
                "eks_control_plane",
                f"{head}: past extended support on {on}; EKS upgrades it (standard rate)",
            )
        return "eks_control_plane", f"{head}: no support dates recorded; priced at the standard rate"

    def node_groups(self) -> None:
        table = self.p["ec2"]
        templates = {r["urn"]: r for r in self.of_type("aws:ec2/launchTemplate:LaunchTemplate")}
        gb_price, _ = self.monthly("ebs_gp3_gb")
        for r in self.of_type("aws:eks/nodeGroup:NodeGroup"):
            inputs = r["inputs"]
            types = inputs.get("instanceTypes") or []
            scaling = inputs.get("scalingConfig") or {}
            desired, most = _number(scaling.get("desiredSize")), _number(scaling.get("maxSize"))
            if not types or types[0] not in table["usd"]:
                self.unpriced.append(
                    Unpriced(r["name"], r["type"], f"instance type {types[0] if types else '?'}")
                )
                continue
            # The first listed type prices the group; for SPOT capacity the on-demand price is an upper bound.
            node = float(table["usd"][types[0]]) * self.hours
            disk = self._root_volume_gb(r, templates) * gb_price
            capacity = str(inputs.get("capacityType") or "ON_DEMAND")
            note = " (SPOT: on-demand price as upper bound)" if capacity == "SPOT" else ""
            self.add(
                r,
                f"{desired:g} x {types[0]} (max {most:g}) + root volumes{note}",
                desired * (node + disk),
                table["source"],
                most * (node + disk),
            )

    def _root_volume_gb(self, group: dict[str, Any], templates: dict[str, dict[str, Any]]) -> float:
        # The group's launch template is its sibling under the same ManagedNodeGroup component.
        for t in templates.values():
            if t.get("parent") == group.get("parent"):
                mappings = t["inputs"].get("blockDeviceMappings") or []
                return sum(_number((m.get("ebs") or {}).get("volumeSize")) for m in mappings)
        return _number(group["inputs"].get("diskSize"), 20.0)

    def nat(self) -> None:
        usd, src = self.hourly("nat_gateway")
        for r in self.of_type("aws:ec2/natGateway:NatGateway"):
            self.add(r, "NAT gateway (hours; data processing not counted)", usd, src)

    def public_ips(self) -> None:
        usd, src = self.hourly("public_ipv4")
        for r in self.of_type("aws:ec2/eip:Eip"):
            self.add(r, "public IPv4 address", usd, src)

    def endpoints(self) -> None:
        usd, src = self.hourly("interface_endpoint_az")
        zones = {
            s["inputs"].get("availabilityZone")
            for s in self.of_type("aws:ec2/subnet:Subnet")
            if isinstance(s["inputs"].get("availabilityZone"), str)
        }
        for r in self.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"):
            if r["inputs"].get("vpcEndpointType") != "Interface":
                continue  # gateway endpoints (S3) are free
            subnets = r["inputs"].get("subnetIds")
            if isinstance(subnets, list):
                azs, how = max(1, len(subnets)), ""
            else:  # subnets known only after deploy: one per AZ of the VPC
                azs, how = max(1, len(zones)), " (assumed: every AZ of the VPC)"
            self.add(r, f"interface endpoint in {azs} AZ(s){how}", usd * azs, src)

    def rds(self) -> None:
        table = self.p["rds_postgres"]
        gb_price, _ = self.monthly("rds_gp3_gb")
        instances = self.of_type("aws:rds/instance:Instance")
        for r in instances:
            inputs = r["inputs"]
            klass = inputs.get("instanceClass")
            if klass not in table["usd"]:
                self.unpriced.append(Unpriced(r["name"], r["type"], f"instance class {klass}"))
                continue
            copies = 2 if inputs.get("multiAz") is True else 1
            storage = _number(inputs.get("allocatedStorage"))
            if not storage:  # a read replica inherits its source's storage: the primary in the same component
                storage = max(
                    (
                        _number(i["inputs"].get("allocatedStorage"))
                        for i in instances
                        if i.get("parent") == r.get("parent")
                    ),
                    default=0.0,
                )
            role = "replica" if inputs.get("replicateSourceDb") else "primary"
            usd = copies * (float(table["usd"][klass]) * self.hours + storage * gb_price)
            az = "Multi-AZ" if copies == 2 else "Single-AZ"
            self.add(r, f"{role} {klass} {az}, {storage:g} GB gp3", usd, table["source"])

    def rds_proxy(self) -> None:
        per_vcpu, src = self.hourly("rds_proxy_vcpu")
        vcpus = self.p["rds_vcpus"]["count"]
        by_identifier = {i["inputs"].get("identifier"): i for i in self.of_type("aws:rds/instance:Instance")}
        targets = self.of_type("aws:rds/proxyTarget:ProxyTarget")
        for r in self.of_type("aws:rds/proxy:Proxy"):
            target = next((t for t in targets if t.get("parent") == r.get("parent")), None)
            instance = by_identifier.get((target or {}).get("inputs", {}).get("dbInstanceIdentifier"))
            klass = (instance or {}).get("inputs", {}).get("instanceClass")
            if klass not in vcpus:
                self.unpriced.append(Unpriced(r["name"], r["type"], f"proxy target class {klass}"))
                continue
            count = max(2, int(vcpus[klass]))
            self.add(r, f"RDS Proxy over {count} vCPUs ({klass})", per_vcpu * count, src)

    def elasticache(self) -> None:
        table = self.p["elasticache"]
        for r in self.of_type("aws:elasticache/replicationGroup:ReplicationGroup"):
            inputs = r["inputs"]
            node_type = inputs.get("nodeType")
            if inputs.get("numCacheClusters") is not None:
                nodes = _number(inputs["numCacheClusters"], 1)
            else:
                nodes = _number(inputs.get("numNodeGroups"), 1) * (
                    _number(inputs.get("replicasPerNodeGroup")) + 1
                )
            if node_type not in table["usd"]:
                self.unpriced.append(Unpriced(r["name"], r["type"], f"node type {node_type}"))
                continue
            self.add(
                r,
                f"{nodes:g} x {node_type}",
                nodes * float(table["usd"][node_type]) * self.hours,
                table["source"],
            )

    def albs(self) -> None:
        """One ALB per public ingress group (the Load Balancer Controller merges a group into one ALB)."""
        usd, src = self.hourly("alb")
        lcu, _ = self.hourly("alb_lcu")
        lcus = self.assumption("alb_lcus")
        groups: set[str] = set()
        for r in self.of_type("kubernetes:networking.k8s.io/v1:Ingress"):
            annotations = ((r["inputs"].get("metadata") or {}).get("annotations")) or {}
            if annotations.get("alb.ingress.kubernetes.io/scheme") != "internet-facing":
                continue
            group = annotations.get("alb.ingress.kubernetes.io/group.name") or r["name"]
            groups.add(group)
        for group in sorted(groups):
            self.lines.append(
                Line(
                    f"ingress group {group}", "alb", f"public ALB + {lcus:g} LCU", usd + lcus * lcu, None, src
                )
            )

    def atlas(self) -> None:
        table = self.p["atlas"]
        for r in self.of_type("mongodbatlas:index/advancedCluster:AdvancedCluster"):
            for spec in r["inputs"].get("replicationSpecs") or []:
                for region in spec.get("regionConfigs") or []:
                    electable = region.get("electableSpecs") or {}
                    size, nodes = electable.get("instanceSize"), _number(electable.get("nodeCount"), 3)
                    if size not in table["usd"]:
                        self.unpriced.append(Unpriced(r["name"], r["type"], f"Atlas tier {size}"))
                        continue
                    usd = float(table["usd"][size]) * self.hours * nodes / 3
                    self.add(
                        r, f"Atlas {size}, {nodes:g} nodes ({region.get('regionName')})", usd, table["source"]
                    )

    def logs(self) -> None:
        price, src = self.monthly("cloudwatch_logs_ingest_gb")
        gb = self.assumption("log_gb_per_group")
        for r in self.of_type("aws:cloudwatch/logGroup:LogGroup"):
            self.add(r, f"log ingestion, assumed {gb:g} GB/month", gb * price, src)

    def buckets(self) -> None:
        price, src = self.monthly("s3_standard_gb")
        gb = self.assumption("s3_gb_per_bucket")
        for r in self.of_type("aws:s3/bucket:Bucket"):
            self.add(r, f"S3 Standard, assumed {gb:g} GB stored", gb * price, src)

    def registry(self) -> None:
        """Service repositories: storage and Inspector's scans (ENHANCED: on push, then continuous); the
        pull-through cache: the add-on images it stores. The signing key is a KMS key (below)."""
        storage, storage_src = self.monthly("ecr_storage_gb")
        scan, scan_src = self.monthly("inspector_ecr_initial_scan")
        rescan, _ = self.monthly("inspector_ecr_rescan")
        gb = self.assumption("ecr_gb_per_repository")
        pushes = self.assumption("ecr_pushes_per_repository")
        rescans = self.assumption("ecr_rescans_per_repository")
        for r in self.of_type("aws:ecr/repository:Repository"):
            self.add(
                r,
                f"ECR, assumed {gb:g} GB stored; Inspector scans, assumed {pushes:g} pushes and {rescans:g}"
                " re-scans",
                gb * storage + pushes * scan + rescans * rescan,
                f"{storage_src} {scan_src}",
            )
        cached = self.assumption("ecr_gb_per_cache_rule")
        for r in self.of_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule"):
            self.add(
                r, f"ECR pull-through cache, assumed {cached:g} GB stored", cached * storage, storage_src
            )

    def keys_and_secrets(self) -> None:
        key, key_src = self.monthly("kms_key")
        for r in self.of_type("aws:kms/key:Key"):
            self.add(r, "KMS customer managed key", key, key_src)
        secret, secret_src = self.monthly("secret")
        for r in self.of_type("aws:secretsmanager/secret:Secret"):
            self.add(r, "Secrets Manager secret", secret, secret_src)
