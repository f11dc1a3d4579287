"""A Mermaid ``flowchart`` of the architecture, drawn from the resource graph of a preview.

Pure and deterministic: every top-level component (a child of the stack) is a subgraph; inside it, one
node per nested component (services, Atlas parts, node groups) and one per architectural resource type
of its own resources, with a count (subnets by tier: ``subnets app x3``). Glue (IAM, policies, routes,
log groups, sub-configurations of buckets) is left out to keep the picture readable. An edge ``A --> B``
says that something in component A takes an input from, or is deployed through a provider of, component B.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tools.review.compare import _is_custom

ARCHITECTURE_TYPES: dict[str, str] = {
    "aws:ec2/vpc:Vpc": "VPC",
    "aws:ec2/internetGateway:InternetGateway": "internet gateway",
    "aws:ec2/natGateway:NatGateway": "NAT gateway",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "VPC endpoint",
    "aws:eks/cluster:Cluster": "EKS cluster",
    "aws:eks/nodeGroup:NodeGroup": "node group",
    "aws:eks/addon:Addon": "EKS add-on",
    "aws:rds/instance:Instance": "RDS instance",
    "aws:rds/proxy:Proxy": "RDS Proxy",
    "aws:elasticache/replicationGroup:ReplicationGroup": "ElastiCache group",
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:kms/key:Key": "KMS key",
    "aws:ecr/repository:Repository": "ECR repository",
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "ECR pull-through cache",
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": "ECR replication",
    "aws:secretsmanager/secret:Secret": "secret",
    "aws:sns/topic:Topic": "SNS topic",
    "aws:lambda/function:Function": "Lambda",
    "aws:budgets/budget:Budget": "budget",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "alarm",
    "mongodbatlas:index/project:Project": "Atlas project",
    "mongodbatlas:index/advancedCluster:AdvancedCluster": "Atlas cluster",
    "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint": "Atlas PrivateLink",
    "kubernetes:helm.sh/v3:Release": "Helm release",
    "kubernetes:core/v1:Namespace": "namespace",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": "NetworkPolicy",
    "kubernetes:external-secrets.io/v1:ClusterSecretStore": "ClusterSecretStore",
    "kubernetes:apps/v1:Deployment": "Deployment",
    "kubernetes:argoproj.io/v1alpha1:Rollout": "Rollout",
    "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate": "AnalysisTemplate",
    "kubernetes:batch/v1:Job": "Job",
    "kubernetes:networking.k8s.io/v1:Ingress": "Ingress",
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": "PrometheusRule",
    "kubernetes:policies.kyverno.io/v1:ImageValidatingPolicy": "ImageValidatingPolicy",
    "kubernetes:core/v1:ConfigMap": "ConfigMap",
    "kubernetes:storage.k8s.io/v1:StorageClass": "StorageClass",
}
"""Resource types drawn (with their label); everything else is glue and left out."""


@dataclass(frozen=True)
class Node:
    """What the diagram needs of one registered resource."""

    urn: str
    type: str
    name: str
    parent: str | None
    dependencies: tuple[str, ...] = ()
    provider: str | None = None


def nodes(resources: list[Any]) -> list[Node]:
    """Nodes from recorded resources (``tools.preview.mocks.Recorded``)."""
    return [Node(r.urn, r.type, r.name, r.parent, tuple(r.dependencies), r.provider) for r in resources]


def _id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _label(resource: Node, component: Node) -> str | None:
    if resource.type == "aws:ec2/subnet:Subnet":
        # `<component>-<tier>-<n>`: the tier is what matters in a picture
        tier = re.sub(r"-\d+$", "", resource.name.removeprefix(component.name + "-"))
        return f"subnets {tier}"
    return ARCHITECTURE_TYPES.get(resource.type)


def _count(label: str, count: int) -> str:
    return label if count == 1 else f"{label} x{count}"


def flowchart(resources: list[Node], direction: str = "LR", *, compact: bool = False) -> str:
    """The diagram of one project's resources (``compact``: one node per component, see :func:`_drawing`)."""
    components, edges = _drawing(resources, "  ", compact)
    return "\n".join([f"flowchart {direction}", *components, *edges])


def flowchart_of_projects(
    projects: list[tuple[str, list[Node]]],
    references: list[tuple[str, str]],
    direction: str = "LR",
    *,
    compact: bool = False,
) -> str:
    """Several projects, each an outer subgraph; ``references`` are (reader, read) project pairs drawn as
    a ``StackReference`` edge (the outputs one project reads from another are not resource dependencies)."""
    lines = [f"flowchart {direction}"]
    all_edges: list[str] = []
    for project, resources in projects:
        components, edges = _drawing(resources, "    ", compact)
        lines += [f'  subgraph project_{_id(project)}["project {project}"]', *components, "  end"]
        all_edges += edges
    lines += all_edges
    lines += [f"  project_{_id(a)} -. StackReference .-> project_{_id(b)}" for a, b in sorted(references)]
    return "\n".join(lines)


def _drawing(resources: list[Node], indent: str, compact: bool = False) -> tuple[list[str], list[str]]:
    """Each top-level component as a subgraph of its resources, and the edges between components; when
    ``compact``, each component is one node and a component's edges share one line (``a --> b & c``)."""
    by_urn = {r.urn: r for r in resources}

    def top(urn: str) -> str | None:
        node = by_urn.get(urn)
        if node is None:
            return None
        while node.parent in by_urn:
            node = by_urn[str(node.parent)]
        return None if node.type.startswith("pulumi:") else node.urn

    tops = sorted({t for r in resources if (t := top(r.urn)) is not None}, key=lambda u: by_urn[u].name)
    lines: list[str] = []
    for t in tops:
        component = by_urn[t]
        kind = component.type.split(":")[-1]
        if compact:
            lines.append(f'{indent}{_id(component.name)}["{kind} {component.name}"]')
            continue
        lines.append(f'{indent}subgraph {_id(component.name)}["{kind} {component.name}"]')
        children = [r for r in resources if r.parent == t]
        nested = Counter(
            r.type.split(":")[-1]
            for r in children
            if not _is_custom(r.type) and not r.type.startswith("pulumi:")
        )
        own = Counter(
            label for r in children if _is_custom(r.type) and (label := _label(r, component)) is not None
        )
        entries = sorted(nested.items()) + sorted(own.items())
        if not entries:
            entries = [(kind, 1)]
        for label, count in entries:
            lines.append(f'{indent}  {_id(component.name)}__{_id(label)}["{_count(label, count)}"]')
        lines.append(f"{indent}end")
    edges: set[tuple[str, str]] = set()
    for r in resources:
        source = top(r.urn)
        if source is None:
            continue
        targets = list(r.dependencies)
        if r.provider:
            targets.append(r.provider.rsplit("::", 1)[0])  # a provider reference is `urn::id`
        for dep in targets:
            target = top(dep)
            if target is not None and target != source:
                edges.add((by_urn[source].name, by_urn[target].name))
    if compact:
        targets_of: dict[str, list[str]] = {}
        for a, b in sorted(edges):
            targets_of.setdefault(a, []).append(_id(b))
        return lines, [f"  {_id(a)} --> {' & '.join(bs)}" for a, bs in targets_of.items()]
    return lines, [f"  {_id(a)} --> {_id(b)}" for a, b in sorted(edges)]
