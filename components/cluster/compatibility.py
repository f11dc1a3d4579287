"""Which Kubernetes minors each pinned add-on supports, from each project's own statement (pure data).

Two kinds of statement, kept apart because they mean different things:

* ``REQUIRES``: a range the project states as a requirement (a chart's ``Chart.yaml`` ``kubeVersion``,
  which Helm enforces at install; a README's "requires Kubernetes 1.22+" or "supports 1.16-1.21"). A
  target outside it blocks the upgrade.
* ``TESTED``: the versions a project says it tested a release on, while saying others may work (KEDA's
  "N-2" matrix, External Secrets' support table). A target outside it is reported as a warning: the
  project neither supports nor forbids it.

The Cluster Autoscaler is the one add-on versioned with Kubernetes itself (its minor must equal the
control plane's): :data:`components.cluster.spec.CLUSTER_AUTOSCALER_APP_VERSIONS` owns its table. The
EKS-managed add-ons are published per cluster minor by EKS (:data:`EKS_ADDON_BUILDS`).

Every statement names the repository, path and tag or commit it was read at, and the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from components.core.catalog.kubernetes import minor

READ = dt.date(2026, 12, 6)


class Kind(StrEnum):
    REQUIRES = "requires"
    TESTED = "tested"


@dataclass(frozen=True)
class Statement:
    """A project's statement about the Kubernetes minors a range of its chart versions supports.

    Attributes:
        charts: the first and last chart version it covers (inclusive; ``None`` as last: and later).
        kube_min: the oldest Kubernetes minor stated, or None.
        kube_max: the newest Kubernetes minor stated, or None (no upper bound stated).
        kind: a requirement or a tested window.
        source: repository, path and tag/commit where it was read.
        read: the day it was read.
    """

    charts: tuple[str, str | None]
    kube_min: str | None
    kube_max: str | None
    kind: Kind
    source: str
    read: dt.date = READ

    def covers(self, chart_version: str) -> bool:
        first, last = self.charts
        version = _semver(chart_version)
        return _semver(first) <= version and (last is None or version <= _semver(last))

    def allows(self, kubernetes: str) -> bool:
        if self.kube_min is not None and minor(kubernetes) < minor(self.kube_min):
            return False
        return self.kube_max is None or minor(kubernetes) <= minor(self.kube_max)

    @property
    def range_text(self) -> str:
        if self.kube_min and self.kube_max:
            return f"{self.kube_min}-{self.kube_max}" if self.kube_min != self.kube_max else self.kube_min
        if self.kube_min:
            return f"{self.kube_min}+"
        return f"up to {self.kube_max}" if self.kube_max else "any"


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.removeprefix("v").split("-")[0].split("."))


_LBC = (
    "aws/eks-charts stable/aws-load-balancer-controller/README.md at commit"
    " 049a6f7f1cca1b7efb34302f20f02dbac88e0540 (chart 1.14.0, 2025-10-02), 'Supported Kubernetes Versions'"
)
_METRICS = (
    "kubernetes-sigs/metrics-server README.md 'Compatibility Matrix' at tag metrics-server-helm-chart-3.13.0"
    " (commit 1a64100c33acf2d7dfa4439f20c75bc64d86983f); chart 3.13.x = app 0.8.x, 3.12.x = 0.7.x"
    " (charts/metrics-server/Chart.yaml appVersion at those tags)"
)
_ROLLOUTS = (
    "argoproj/argo-helm charts/argo-rollouts/README.md at tag argo-rollouts-2.40.2 (commit"
    " 303fcf8a554712acd6fc5c3f34e484d51865b75b): 'Kubernetes 1.7+' (Chart.yaml has no kubeVersion)"
)
_ESO_CHART = (
    "external-secrets/external-secrets deploy/charts/external-secrets/Chart.yaml at tag helm-chart-1.0.0"
    " (commit 91f6f5b7517cc7e011e652716ce3c2b480d5f20f): kubeVersion '>= 1.19.0-0'"
)
_ESO_TESTED = (
    "external-secrets/external-secrets docs/introduction/stability-support.md at commit"
    " cc5bfbc2234ace9cb0caff4ea89c435cf517b27b (2026-08-08): ESO 1.0 tested on Kubernetes 1.34; 2.0-2.6 on"
    " 1.34-1.35 ('We do not do test coverage for any other kubernetes version')"
)
_KPS = (
    "prometheus-community/helm-charts charts/kube-prometheus-stack/Chart.yaml at tag"
    " kube-prometheus-stack-79.7.1 (commit 7dcdc8b386a7b49f5b2d82d4d9c581cc43d97c5e): kubeVersion '>=1.25.0-0'"
)
_KEDA_CHART = (
    "kedacore/charts keda/Chart.yaml at tag v2.17.2 (commit 1f20163a6b4747d47cce43e38ecda89015e4d018):"
    " kubeVersion '>=v1.23.0-0'"
)
_KEDA_TESTED = (
    "kedacore/keda-docs content/docs/2.21/operate/cluster.md 'Kubernetes Compatibility' at commit"
    " a55c5d345e2cbd9923ab4936f1cabc2a17e9abac (2026-08-20): v2.17 tested on v1.30-v1.32, v2.18 on"
    " v1.31-v1.33, v2.19 on v1.32-v1.34, v2.20 on v1.33-v1.35 ('N-2 ... no guarantee')"
)
_EXTERNAL_DNS = (
    "kubernetes-sigs/external-dns README.md 'Kubernetes version compatibility' at tag"
    " external-dns-helm-chart-1.21.1 (commit 9f26451346774099a8b3e3e5cc46a53bf2fd1461): ExternalDNS >= 0.18.x on"
    " Kubernetes 1.21 and later; chart 1.21.1 = app 0.21.0 (its Chart.yaml, which has no kubeVersion)"
)

CHART_STATEMENTS: dict[str, tuple[Statement, ...]] = {
    "aws-load-balancer-controller": (
        Statement(("0.0.0", "1.1.6"), "1.15", "1.15", Kind.REQUIRES, _LBC),
        Statement(("1.2.0", "1.3.3"), "1.16", "1.21", Kind.REQUIRES, _LBC),
        Statement(("1.4.0", "1.4.99"), "1.19", None, Kind.REQUIRES, _LBC),
        Statement(("1.5.0", None), "1.22", None, Kind.REQUIRES, _LBC),
    ),
    "metrics-server": (
        Statement(("3.12.0", "3.12.99"), "1.27", None, Kind.REQUIRES, _METRICS),
        Statement(("3.13.0", "3.13.99"), "1.31", None, Kind.REQUIRES, _METRICS),
    ),
    "argo-rollouts": (Statement(("2.0.0", None), "1.7", None, Kind.REQUIRES, _ROLLOUTS),),
    "external-secrets": (
        Statement(("1.0.0", None), "1.19", None, Kind.REQUIRES, _ESO_CHART),
        Statement(("1.0.0", "1.3.99"), "1.34", "1.34", Kind.TESTED, _ESO_TESTED),
        Statement(("2.0.0", "2.6.99"), "1.34", "1.35", Kind.TESTED, _ESO_TESTED),
    ),
    "kube-prometheus-stack": (Statement(("79.7.1", None), "1.25", None, Kind.REQUIRES, _KPS),),
    "keda": (
        Statement(("2.17.0", None), "1.23", None, Kind.REQUIRES, _KEDA_CHART),
        Statement(("2.17.0", "2.17.99"), "1.30", "1.32", Kind.TESTED, _KEDA_TESTED),
        Statement(("2.18.0", "2.18.99"), "1.31", "1.33", Kind.TESTED, _KEDA_TESTED),
        Statement(("2.19.0", "2.19.99"), "1.32", "1.34", Kind.TESTED, _KEDA_TESTED),
        Statement(("2.20.0", "2.20.99"), "1.33", "1.35", Kind.TESTED, _KEDA_TESTED),
    ),
    "external-dns": (Statement(("1.19.0", None), "1.21", None, Kind.REQUIRES, _EXTERNAL_DNS),),
}
"""Statements by chart name (``helm.v3.Release`` ``chart``)."""

NO_STATEMENT: dict[str, str] = {
    "loki": "grafana/loki production/helm/loki/Chart.yaml and README.md at tag helm-loki-6.46.0 (commit"
    " c47d18950badb87c9e3b7ca0fca8a36ef51d7db1) state no Kubernetes range",
    "alloy": "grafana/alloy operations/helm/charts/alloy/Chart.yaml and README.md at tag helm-chart/1.2.0"
    " (commit 0ff965c47f0356bb32c298834662c05b11c4e975) state no Kubernetes range",
}
"""Charts read and found to state no Kubernetes range at all (reported as such, never as supported)."""

CLUSTER_AUTOSCALER_CHART = "cluster-autoscaler"
CLUSTER_AUTOSCALER_SOURCE = (
    "kubernetes/autoscaler cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml appVersion at tags"
    " cluster-autoscaler-chart-9.53.0 (a2db9eb7: 1.34.2) and -9.54.0 (d4a3ca1d: 1.35.0); upstream supports an"
    " autoscaler only on the Kubernetes minor of its own number. No chart up to 9.59.0 (2026-07-21) runs a"
    " 1.36 autoscaler; tag cluster-autoscaler-1.36.1 exists (imageTag)"
)


@dataclass(frozen=True)
class EksAddonBuilds:
    """EKS add-on versions (``addonVersion``) known to be published for one cluster minor."""

    builds: dict[str, str]
    source: str
    read: dt.date = READ


EKS_ADDON_BUILDS: dict[str, EksAddonBuilds] = {
    "1.34": EksAddonBuilds(
        {
            "vpc-cni": "v1.20.4-eksbuild.2",
            "coredns": "v1.12.3-eksbuild.1",
            "kube-proxy": "v1.34.0-eksbuild.2",
            "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
            "aws-ebs-csi-driver": "v1.54.0-eksbuild.1",
        },
        "the versions the stack files pinned for 1.34 (commit 0e56e66, 'aws eks describe-addon-versions'; no"
        " read date recorded)",
    ),
    "1.35": EksAddonBuilds(
        {
            "vpc-cni": "v1.21.1-eksbuild.3",
            "coredns": "v1.13.2-eksbuild.1",
            "kube-proxy": "v1.35.0-eksbuild.2",
            "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
            "aws-ebs-csi-driver": "v1.57.1-eksbuild.1",
        },
        "a public Terraform configuration of an EKS 1.35 cluster in ap-northeast-2 (eks_addons, in the code"
        " index as file id 67112375487; not an AWS page: no AWS list of 1.35 builds was readable offline)."
        " Confirm with `aws eks describe-addon-versions --kubernetes-version 1.35 --addon-name NAME` before"
        " the apply; EKS refuses a version it does not publish for the cluster's minor",
    ),
}
"""EKS add-on builds per cluster minor. The EKS add-on API publishes each build for a set of minors
(``describe-addon-versions`` ``compatibilities``); only what a source here shows is listed."""


def statements(chart: str, chart_version: str) -> tuple[Statement, ...]:
    """The statements of ``chart`` that cover ``chart_version``."""
    return tuple(s for s in CHART_STATEMENTS.get(chart, ()) if s.covers(chart_version))


def first_supporting(chart: str, kubernetes: str) -> str | None:
    """The lowest chart version whose ``REQUIRES`` statement allows ``kubernetes`` (None if none does)."""
    found = [
        s.charts[0]
        for s in CHART_STATEMENTS.get(chart, ())
        if s.kind is Kind.REQUIRES and s.allows(kubernetes)
    ]
    return min(found, key=_semver) if found else None
