"""What blocks a control-plane bump to the next Kubernetes minor (pure: plain resources in, findings out).

Reads what an offline run records (type, name, inputs) of both projects, plus any rendered manifests
(``helm template`` output), and reports:

* every Kubernetes object whose API the target removes (blocks) or deprecates (warns), per
  :data:`components.core.catalog.kubernetes.API_CHANGES`;
* every pinned Helm chart whose project's stated range excludes the target (a requirement blocks, a tested
  window warns; :mod:`components.cluster.compatibility`), the Cluster Autoscaler's minor, and the EKS add-on
  builds the bump must carry;
* the node groups' kubelet skew against the target control plane (the version-skew policy);
* the bump itself: one minor up, never down (a control plane cannot be downgraded).

Order of operations the findings assume (``docs/RUNBOOK.md``): the control plane first, then the EKS
add-ons and the Cluster Autoscaler, then the node groups, which this program ties to the cluster's version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from components.cluster.compatibility import (
    CLUSTER_AUTOSCALER_CHART,
    CLUSTER_AUTOSCALER_SOURCE,
    EKS_ADDON_BUILDS,
    NO_STATEMENT,
    Kind,
    first_supporting,
    statements,
)
from components.cluster.spec import CLUSTER_AUTOSCALER_APP_VERSIONS
from components.core.catalog.kubernetes import (
    API_SOURCE,
    EKS_UPDATE_SOURCE,
    NODE_MAX_MINORS_BEHIND,
    SKEW_SOURCE,
    ApiStatus,
    api_status,
    minor,
    minor_after,
)

CLUSTER_TYPE = "aws:eks/cluster:Cluster"
NODE_GROUP_TYPE = "aws:eks/nodeGroup:NodeGroup"
EKS_ADDON_TYPE = "aws:eks/addon:Addon"
HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
_NOT_MANIFESTS = ("kubernetes:helm.sh/", "pulumi:providers:", "kubernetes:yaml")


class Severity(StrEnum):
    BLOCKS = "blocks"
    WARNS = "warns"
    OK = "ok"


@dataclass(frozen=True)
class Finding:
    """One line of the report.

    Attributes:
        severity: ``blocks`` (exit 4), ``warns`` or ``ok``.
        area: ``version``, ``api``, ``chart``, ``eks-addon``, ``nodes``.
        subject: what it is about (``services: policy/v1beta1 PodDisruptionBudget web``).
        message: what and why, with the action where there is one.
        source: the statement it rests on.
    """

    severity: Severity
    area: str
    subject: str
    message: str
    source: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "area": self.area,
            "subject": self.subject,
            "message": self.message,
            "source": self.source,
        }


@dataclass(frozen=True)
class Manifest:
    """A Kubernetes object: its API version, kind and name, and where it comes from."""

    api_version: str
    kind: str
    name: str
    origin: str


@dataclass(frozen=True)
class Report:
    current: str
    target: str
    findings: tuple[Finding, ...]
    manifests_checked: int = 0
    releases_not_rendered: tuple[str, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> bool:
        return any(f.severity is Severity.BLOCKS for f in self.findings)

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.current,
            "to": self.target,
            "blocked": self.blocked,
            "manifests_checked": self.manifests_checked,
            "helm_releases_not_rendered": list(self.releases_not_rendered),
            "findings": [f.as_json() for f in self.findings],
        }


def manifests_of(resources: Iterable[Mapping[str, Any]], origin: str) -> list[Manifest]:
    """The Kubernetes objects an offline run registers (``kubernetes:<group>/<version>:<Kind>`` types)."""
    found = []
    for r in resources:
        kind_token = str(r["type"])
        if not kind_token.startswith("kubernetes:") or kind_token.startswith(_NOT_MANIFESTS):
            continue
        _, group_version, kind = kind_token.split(":", 2)
        api_version = group_version.removeprefix("core/")  # Pulumi spells the core group "core/v1"
        found.append(Manifest(api_version, kind, str(r["name"]), origin))
    return found


def manifests_in_documents(documents: Iterable[Any], origin: str) -> list[Manifest]:
    """Objects of rendered YAML documents (``helm template`` output); lists are unpacked."""
    found = []
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == "List" or str(doc.get("kind", "")).endswith("List"):
            found += manifests_in_documents(doc.get("items") or [], origin)
            continue
        if "apiVersion" in doc and "kind" in doc:
            name = str((doc.get("metadata") or {}).get("name", "?"))
            found.append(Manifest(str(doc["apiVersion"]), str(doc["kind"]), name, origin))
    return found


def check(
    platform: Sequence[Mapping[str, Any]],
    target: str,
    manifests: list[Manifest],
) -> Report:
    """Everything that stands between the platform run's cluster and ``target``.

    ``platform`` is the platform project's recorded resources (its cluster, node groups, EKS add-ons and
    Helm releases); ``manifests`` every Kubernetes object of both projects (and any rendered charts).
    """
    clusters = [r for r in platform if r["type"] == CLUSTER_TYPE]
    if not clusters:
        finding = Finding(
            Severity.OK, "version", "cluster", "the stack has no EKS cluster: nothing to upgrade"
        )
        return Report("-", target, (finding,))
    current = str(clusters[0]["inputs"].get("version"))
    findings = _version(current, target)
    findings += _apis(manifests, target)
    releases = [r for r in platform if r["type"] == HELM_RELEASE_TYPE]
    for release in releases:
        findings += _chart(release, current, target)
    findings += _eks_addons([r for r in platform if r["type"] == EKS_ADDON_TYPE], current, target)
    findings += _nodes([r for r in platform if r["type"] == NODE_GROUP_TYPE], current, target)
    not_rendered = tuple(sorted(str(r["inputs"].get("chart")) for r in releases))
    return Report(current, target, tuple(findings), len(manifests), not_rendered)


def _version(current: str, target: str) -> list[Finding]:
    subject = f"kubernetesVersion {current} -> {target}"
    if minor(target) <= minor(current):
        return [
            Finding(
                Severity.BLOCKS,
                "version",
                subject,
                "not an upgrade: an EKS control plane cannot be downgraded or re-upgraded to its own minor",
            )
        ]
    if minor(target) != minor(minor_after(current)):
        return [
            Finding(
                Severity.BLOCKS,
                "version",
                subject,
                f"EKS upgrades a control plane one minor at a time: go to {minor_after(current)} first",
            )
        ]
    return [Finding(Severity.OK, "version", subject, "one minor up")]


def _apis(manifests: list[Manifest], target: str) -> list[Finding]:
    findings = []
    for m in manifests:
        status = api_status(m.api_version, m.kind, target)
        if status is None:
            continue
        state, change = status
        instead = f"; use {change.replacement}" if change.replacement else "; it has no replacement"
        if state is ApiStatus.REMOVED:
            message = f"{target} does not serve it (removed in {change.removed_in}){instead}"
            severity = Severity.BLOCKS
        else:
            removal = f", removal in {change.removed_in}" if change.removed_in else ", removal not scheduled"
            message = f"deprecated since {change.deprecated_in}{removal}{instead}"
            severity = Severity.WARNS
        subject = f"{m.origin}: {m.api_version} {m.kind} {m.name}"
        findings.append(Finding(severity, "api", subject, message, API_SOURCE))
    return findings


def _chart(release: Mapping[str, Any], current: str, target: str) -> list[Finding]:
    inputs = release["inputs"]
    chart, version = str(inputs.get("chart")), str(inputs.get("version"))
    subject = f"chart {chart} {version}"
    if chart == CLUSTER_AUTOSCALER_CHART:
        return [_autoscaler(inputs, subject, current, target)]
    found = statements(chart, version)
    if not found:
        why = NO_STATEMENT.get(chart)
        if why:
            return [Finding(Severity.OK, "chart", subject, "its project states no Kubernetes range", why)]
        return [
            Finding(
                Severity.WARNS,
                "chart",
                subject,
                "no compatibility statement of this chart version is recorded in"
                " components/cluster/compatibility.py: read its Chart.yaml kubeVersion and docs at this tag",
            )
        ]
    findings = []
    for s in found:
        if s.allows(target):
            what = "requires" if s.kind is Kind.REQUIRES else "tested on"
            findings.append(
                Finding(Severity.OK, "chart", subject, f"{what} Kubernetes {s.range_text}", s.source)
            )
        elif s.kind is Kind.REQUIRES:
            minimum = first_supporting(chart, target)
            fix = f"; the first chart version supporting {target} is {minimum}" if minimum else ""
            findings.append(
                Finding(
                    Severity.BLOCKS,
                    "chart",
                    subject,
                    f"supports Kubernetes {s.range_text}, not {target}: pinned below its minimum for {target}{fix}",
                    s.source,
                )
            )
        else:
            findings.append(
                Finding(
                    Severity.WARNS,
                    "chart",
                    subject,
                    f"its project tested it on Kubernetes {s.range_text} only, not {target} (neither supported"
                    " nor refused: try it on dev first, or move to a release tested on it)",
                    s.source,
                )
            )
    return findings


def _autoscaler(inputs: Mapping[str, Any], subject: str, current: str, target: str) -> Finding:
    tag = ((inputs.get("values") or {}).get("image") or {}).get("tag")
    app = (
        str(tag).removeprefix("v")
        if isinstance(tag, str)
        else CLUSTER_AUTOSCALER_APP_VERSIONS.get(str(inputs.get("version")))
    )
    charts = [c for c, v in CLUSTER_AUTOSCALER_APP_VERSIONS.items() if minor(v) == minor(target)]
    if app is not None and minor(app) == minor(target):
        return Finding(
            Severity.OK, "chart", subject, f"autoscaler {app} matches {target}", CLUSTER_AUTOSCALER_SOURCE
        )
    if app is not None and minor(app) == minor(current) and charts:
        return Finding(
            Severity.OK,
            "chart",
            subject,
            f"autoscaler {app} follows the control plane: the bump sets chart {charts[0]} (autoscaler"
            f" {CLUSTER_AUTOSCALER_APP_VERSIONS[charts[0]]}) in the same change; Pulumi upgrades the release"
            " after the cluster",
            CLUSTER_AUTOSCALER_SOURCE,
        )
    fix = f"chart {charts[0]}" if charts else f"imageTag v{target}.x (no chart version known runs {target})"
    return Finding(
        Severity.BLOCKS,
        "chart",
        subject,
        f"autoscaler {app or 'unknown'} cannot run against {target}: its minor must equal the control plane's;"
        f" use {fix}",
        CLUSTER_AUTOSCALER_SOURCE,
    )


def _eks_addons(addons: list[Mapping[str, Any]], current: str, target: str) -> list[Finding]:
    known = EKS_ADDON_BUILDS.get(target)
    findings = []
    for addon in addons:
        name, version = str(addon["inputs"].get("addonName")), str(addon["inputs"].get("addonVersion"))
        subject = f"EKS add-on {name} {version}"
        if name == "kube-proxy":
            behind = minor(target)[1] - minor(version)[1]
            if minor(version)[0] != minor(target)[0] or not 0 <= behind <= NODE_MAX_MINORS_BEHIND:
                findings.append(
                    Finding(
                        Severity.BLOCKS,
                        "eks-addon",
                        subject,
                        f"kube-proxy may be 0-{NODE_MAX_MINORS_BEHIND} minors older than the control plane, never"
                        f" newer; {version} against {target} is not",
                        SKEW_SOURCE,
                    )
                )
                continue
        build = known.builds.get(name) if known else None
        if build == version:
            findings.append(
                Finding(
                    Severity.OK,
                    "eks-addon",
                    subject,
                    f"published for {target}",
                    known.source if known else "",
                )
            )
        elif build is not None and known is not None:
            findings.append(
                Finding(
                    Severity.OK,
                    "eks-addon",
                    subject,
                    f"the bump sets {build} (published for {target}) in the same change; EKS updates the add-on"
                    " after the control plane",
                    known.source,
                )
            )
        else:
            findings.append(
                Finding(
                    Severity.BLOCKS,
                    "eks-addon",
                    subject,
                    f"no {name} build for {target} is recorded (components/cluster/compatibility.py"
                    f" EKS_ADDON_BUILDS): read `aws eks describe-addon-versions --kubernetes-version {target}"
                    f" --addon-name {name}` and record it with its date",
                )
            )
    return findings


def _nodes(groups: list[Mapping[str, Any]], current: str, target: str) -> list[Finding]:
    findings = []
    for group in groups:
        version = group["inputs"].get("version")
        kubelet = str(version) if isinstance(version, str) and version[:1].isdigit() else current
        behind = minor(target)[1] - minor(kubelet)[1]
        subject = f"node group {group['name']} (kubelet {kubelet})"
        if minor(kubelet) != minor(current):
            findings.append(
                Finding(
                    Severity.BLOCKS,
                    "nodes",
                    subject,
                    f"EKS updates a control plane only when its managed nodes run its minor ({current}): update"
                    " the node group first",
                    EKS_UPDATE_SOURCE,
                )
            )
        elif minor(kubelet)[0] == minor(target)[0] and 0 <= behind <= NODE_MAX_MINORS_BEHIND:
            findings.append(
                Finding(
                    Severity.OK,
                    "nodes",
                    subject,
                    f"on the control plane's minor and follows its version: replaced after the control plane,"
                    f" {behind} minor behind {target} meanwhile (the skew policy allows {NODE_MAX_MINORS_BEHIND})",
                    SKEW_SOURCE,
                )
            )
        else:
            findings.append(
                Finding(
                    Severity.BLOCKS,
                    "nodes",
                    subject,
                    f"kubelet {kubelet} against a {target} control plane is outside the skew policy (0-"
                    f"{NODE_MAX_MINORS_BEHIND} minors older, never newer)",
                    SKEW_SOURCE,
                )
            )
    return findings


def version_change_problem(before: str | None, after: str | None) -> str | None:
    """Why changing ``platform:cluster.kubernetesVersion`` from ``before`` to ``after`` is refused, or None.

    EKS upgrades a control plane one minor at a time and never downgrades one: a change that skips a minor
    fails mid-deployment, one that goes down cannot be applied at all. A new or removed cluster is not a
    version change.
    """
    if before is None or after is None or before == after:
        return None
    if not (before[:1].isdigit() and after[:1].isdigit()):
        return None  # unknown to a preview: nothing to compare
    if minor(after) < minor(before):
        return (
            f"platform:cluster.kubernetesVersion: {before} -> {after} is a downgrade; an EKS control plane cannot"
            " be downgraded (a failed upgrade is fixed forward, see docs/RUNBOOK.md)"
        )
    if minor(after) != minor(minor_after(before)):
        return (
            f"platform:cluster.kubernetesVersion: {before} -> {after} skips a minor; EKS upgrades one minor at a"
            f" time: change it to {minor_after(before)} first (`python -m tools upgrade-check --to"
            f" {minor_after(before)}`)"
        )
    return None


def cluster_version(resources: Iterable[Mapping[str, Any]]) -> str | None:
    """The Kubernetes version of the (first) EKS cluster among recorded resources, if any."""
    for r in resources:
        if r.get("type") == CLUSTER_TYPE:
            version = (r.get("inputs") or {}).get("version")
            return str(version) if version is not None else None
    return None
