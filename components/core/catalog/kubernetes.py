"""Published Kubernetes lifecycle facts: the EKS support calendar, the removed and deprecated APIs, the
version-skew policy. Pure data and date arithmetic; every fact carries its source and the day it was read.

Refresh the calendar when EKS publishes a new row (``aws eks describe-cluster-versions`` prints the same
dates), and the API table when upstream publishes a release's removals.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from enum import StrEnum

READ = dt.date(2026, 12, 6)
"""The day the sources below were read for this table (the session of issue 30)."""

EKS_CALENDAR_SOURCE = (
    "awsdocs/amazon-eks-user-guide latest/ug/versioning/kubernetes-versions.adoc at commit"
    " 013856044148d6eeed4723027a45aa2180536bcb ('Amazon EKS Kubernetes release calendar'; its newest row is 1.34)"
)
EKS_1_35_SOURCE = (
    "https://aws-samples.github.io/sample-apex-skills/docs/skills/eks-operation-review/references/cluster-lifecycle"
    " (an AWS samples page mirroring the EKS calendar, 'Last verified: 2026-04-24'; stored copy): end of standard"
    " 2027-03-27, end of extended 2028-03-27; release 2026-01-28 from https://endoflife.date/amazon-eks"
    " (stored copy). No AWS-owned page with the 1.35 row was readable here"
)
EKS_PRICING_SOURCE = (
    "https://aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing/"
    " ('a total of $0.60 per cluster per hour' in extended support; standard '$0.10 per cluster per hour')"
)


@dataclass(frozen=True)
class SupportWindow:
    """One EKS minor version's row of the calendar.

    Attributes:
        version: the Kubernetes minor (``1.34``).
        released: the day EKS released it, or None when no source here gives it.
        end_of_standard: the first day billed as extended support (UTC), or None when unknown.
        end_of_extended: the day EKS stops supporting it and upgrades control planes itself, or None.
        source: where the dates were read (and whether any is derived rather than published).
        read: the day the source was read.
    """

    version: str
    released: dt.date | None
    end_of_standard: dt.date | None
    end_of_extended: dt.date | None
    source: str
    read: dt.date = READ

    @property
    def known(self) -> bool:
        return self.end_of_standard is not None and self.end_of_extended is not None


def _row(version: str, released: str, standard: str, extended: str) -> SupportWindow:
    return SupportWindow(
        version,
        dt.date.fromisoformat(released),
        dt.date.fromisoformat(standard),
        dt.date.fromisoformat(extended),
        EKS_CALENDAR_SOURCE,
    )


EKS_SUPPORT_CALENDAR: dict[str, SupportWindow] = {
    "1.29": _row("1.29", "2024-01-23", "2025-03-23", "2026-03-23"),
    "1.30": _row("1.30", "2024-05-23", "2025-07-23", "2026-07-23"),
    "1.31": _row("1.31", "2024-09-26", "2025-11-26", "2026-11-26"),
    "1.32": _row("1.32", "2025-01-23", "2026-03-23", "2027-03-23"),
    "1.33": _row("1.33", "2025-05-29", "2026-07-29", "2027-07-29"),
    "1.34": _row("1.34", "2025-10-02", "2026-12-02", "2027-12-02"),
    "1.35": SupportWindow(
        "1.35", dt.date(2026, 1, 28), dt.date(2027, 3, 27), dt.date(2028, 3, 27), EKS_1_35_SOURCE
    ),
    # Offered by EKS (aws-cdk-lib 2.276.0 KubernetesVersion, see services.py) but no calendar row was read
    # here: their dates are unknown, and validation says so rather than inventing them.
    "1.36": SupportWindow(
        "1.36", None, None, None, "no EKS calendar row read (offered per aws-cdk-lib 2.276.0)"
    ),
    "1.37": SupportWindow(
        "1.37", None, None, None, "no EKS calendar row read (offered per aws-cdk-lib 2.276.0)"
    ),
}
"""Release, end of standard support and end of extended support of each EKS minor (UTC dates; extended
support is billed from the start of the end-of-standard day, per the calendar's own note)."""


class SupportTier(StrEnum):
    """Which support a cluster on a version gets on a day (the EKS calendar's windows)."""

    STANDARD = "standard"
    EXTENDED = "extended"
    ENDED = "ended"  # past extended support: EKS upgrades the control plane itself
    UNKNOWN = "unknown"  # no calendar row read for this version


class SupportType(StrEnum):
    """The cluster's upgrade policy (``aws.eks.Cluster.upgrade_policy.support_type``, pulumi-aws 7.51.1).

    ``EXTENDED`` (AWS's default when unset) enters extended support, billed, at the end of standard support;
    ``STANDARD`` is upgraded by AWS itself at that date.
    """

    STANDARD = "STANDARD"
    EXTENDED = "EXTENDED"


HOURLY_USD: dict[SupportTier, float] = {SupportTier.STANDARD: 0.10, SupportTier.EXTENDED: 0.60}
"""The control plane's price per cluster-hour in each window (:data:`EKS_PRICING_SOURCE`)."""

WARN_DAYS_BEFORE_END_OF_STANDARD = 90

RUN_DATE_ENV = "PLATFORM_RUN_DATE"
"""Fixes the date validation and ``cost`` use (``YYYY-MM-DD``); tests set it, a run leaves it unset."""


class RunDateError(ValueError):
    pass


def run_date() -> dt.date:
    """Today in UTC (the calendar's zone), or the date ``$PLATFORM_RUN_DATE`` fixes.

    Raises:
        RunDateError: ``$PLATFORM_RUN_DATE`` is set but not a ``YYYY-MM-DD`` date.
    """
    fixed = os.environ.get(RUN_DATE_ENV)
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise RunDateError(
                f"${RUN_DATE_ENV}: must be a date written YYYY-MM-DD (e.g. 2026-12-06); got {fixed!r}"
            ) from None
    return dt.datetime.now(dt.UTC).date()


def support_tier(version: str, on: dt.date) -> SupportTier:
    """The support window ``version`` is in on day ``on``."""
    window = EKS_SUPPORT_CALENDAR.get(version)
    if window is None or window.end_of_standard is None or window.end_of_extended is None:
        return SupportTier.UNKNOWN
    if on < window.end_of_standard:
        return SupportTier.STANDARD
    if on < window.end_of_extended:
        return SupportTier.EXTENDED
    return SupportTier.ENDED


def minor(version: str) -> tuple[int, int]:
    """``"1.34"`` (or ``"1.34.2"``, ``"v1.34.0-eksbuild.2"``) as ``(1, 34)``."""
    major, minor_, *_ = version.removeprefix("v").split("-")[0].split(".")
    return int(major), int(minor_)


def minor_after(version: str) -> str:
    major, minor_ = minor(version)
    return f"{major}.{minor_ + 1}"


# --- Removed and deprecated APIs --------------------------------------------------------------------------

API_SOURCE = (
    "the upstream 'Deprecated API Migration Guide' (kubernetes/website"
    " content/en/docs/reference/using-api/deprecation-guide.md) as tabulated, with deprecated-in and"
    " removed-in releases, in FairwindsOps/pluto versions.yaml at v5.24.0 (commit"
    " dd5ec8cccce5e42dfe8054b8250baa35546056a0, 2026-04-27), component k8s. The stored copies of the guide"
    " itself (commits 02afb71016ac558fc5836738711e78e77b1ad44a, 6a6fc841d44f14914bd4440cb365d6cf9d119947) are"
    " older and agree on the rows they hold (v1.16, v1.22, v1.25)"
)


@dataclass(frozen=True)
class ApiChange:
    """An API version of a kind that upstream deprecates and (if ``removed_in``) stops serving.

    Attributes:
        api_version: ``policy/v1beta1``.
        kind: ``PodDisruptionBudget``.
        deprecated_in: the minor from which the API server warns (None where the table gives none).
        removed_in: the minor that no longer serves it, or None (deprecated, removal not scheduled).
        replacement: the API version to migrate to, or None (no replacement, e.g. PodSecurityPolicy).
    """

    api_version: str
    kind: str
    deprecated_in: str | None
    removed_in: str | None
    replacement: str | None


def _api(
    api_version: str, kind: str, deprecated: str | None, removed: str | None, replacement: str | None
) -> ApiChange:
    return ApiChange(api_version, kind, deprecated, removed, replacement)


API_CHANGES: tuple[ApiChange, ...] = (
    _api("extensions/v1beta1", "Deployment", "1.9", "1.16", "apps/v1"),
    _api("apps/v1beta2", "Deployment", "1.9", "1.16", "apps/v1"),
    _api("apps/v1beta1", "Deployment", "1.9", "1.16", "apps/v1"),
    _api("apps/v1beta1", "StatefulSet", "1.9", "1.16", "apps/v1"),
    _api("apps/v1beta2", "StatefulSet", "1.9", "1.16", "apps/v1"),
    _api("extensions/v1beta1", "NetworkPolicy", "1.9", "1.16", "networking.k8s.io/v1"),
    _api("extensions/v1beta1", "Ingress", "1.14", "1.22", "networking.k8s.io/v1"),
    _api("networking.k8s.io/v1beta1", "Ingress", "1.19", "1.22", "networking.k8s.io/v1"),
    _api("networking.k8s.io/v1beta1", "IngressClass", "1.19", "1.22", "networking.k8s.io/v1"),
    _api("apps/v1beta2", "DaemonSet", "1.9", "1.16", "apps/v1"),
    _api("extensions/v1beta1", "DaemonSet", "1.9", "1.16", "apps/v1"),
    _api("extensions/v1beta1", "PodSecurityPolicy", "1.10", "1.16", "policy/v1beta1"),
    _api("policy/v1beta1", "PodSecurityPolicy", "1.21", "1.25", None),
    _api("extensions/v1beta1", "ReplicaSet", None, "1.16", "apps/v1"),
    _api("apps/v1beta1", "ReplicaSet", None, "1.16", "apps/v1"),
    _api("apps/v1beta2", "ReplicaSet", None, "1.16", "apps/v1"),
    _api("scheduling.k8s.io/v1beta1", "PriorityClass", "1.14", "1.22", "scheduling.k8s.io/v1"),
    _api("scheduling.k8s.io/v1alpha1", "PriorityClass", "1.14", "1.17", "scheduling.k8s.io/v1"),
    _api(
        "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.16", "1.22", "apiextensions.k8s.io/v1"
    ),
    _api(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        "1.16",
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    _api(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        "1.16",
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    _api(
        "rbac.authorization.k8s.io/v1alpha1",
        "ClusterRoleBinding",
        "1.17",
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    _api("rbac.authorization.k8s.io/v1alpha1", "ClusterRole", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    _api("rbac.authorization.k8s.io/v1alpha1", "Role", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    _api("rbac.authorization.k8s.io/v1alpha1", "RoleBinding", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    _api(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        "1.17",
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    _api("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    _api("rbac.authorization.k8s.io/v1beta1", "Role", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    _api("rbac.authorization.k8s.io/v1beta1", "RoleBinding", "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    _api("node.k8s.io/v1beta1", "RuntimeClass", "1.22", "1.25", "node.k8s.io/v1"),
    _api("policy/v1beta1", "PodDisruptionBudget", "1.21", "1.25", "policy/v1"),
    _api("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.22", "1.25", "autoscaling/v2"),
    _api("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.23", "1.26", "autoscaling/v2"),
    _api("batch/v1beta1", "CronJob", "1.21", "1.25", "batch/v1"),
    _api("storage.k8s.io/v1beta1", "CSINode", "1.17", "1.22", "storage.k8s.io/v1"),
    _api("storage.k8s.io/v1beta1", "CSIDriver", "1.19", "1.22", "storage.k8s.io/v1"),
    _api("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.24", "1.27", "storage.k8s.io/v1"),
    _api("storage.k8s.io/v1beta1", "StorageClass", "1.6", "1.22", "storage.k8s.io/v1"),
    _api("storage.k8s.io/v1beta1", "VolumeAttachment", "1.13", "1.22", "storage.k8s.io/v1"),
    _api("apiregistration.k8s.io/v1beta1", "APIService", "1.10", "1.22", "apiregistration.k8s.io/v1"),
    _api("authentication.k8s.io/v1beta1", "TokenReview", "1.6", "1.22", "authentication.k8s.io/v1"),
    _api(
        "certificates.k8s.io/v1beta1", "CertificateSigningRequest", "1.19", "1.22", "certificates.k8s.io/v1"
    ),
    _api("coordination.k8s.io/v1beta1", "Lease", "1.14", "1.22", "coordination.k8s.io/v1"),
    _api("events.k8s.io/v1beta1", "Event", "1.19", "1.25", "events.k8s.io/v1"),
    _api("discovery.k8s.io/v1beta1", "EndpointSlice", "1.21", "1.25", "discovery.k8s.io/v1"),
    _api(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowControl",
        "1.23",
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1beta2",
    ),
    _api(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        "1.24",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1beta3",
    ),
    _api(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        "1.24",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1beta3",
    ),
    _api(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        "1.24",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1beta3",
    ),
    _api(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        "1.24",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1beta3",
    ),
    _api("audit.k8s.io/v1alpha1", "Policy", "1.21", "1.24", "audit.k8s.io/v1"),
    _api("audit.k8s.io/v1alpha1", "Event", "1.21", "1.24", "audit.k8s.io/v1"),
    _api("audit.k8s.io/v1beta1", "Policy", "1.21", "1.24", "audit.k8s.io/v1"),
    _api("audit.k8s.io/v1beta1", "Event", "1.21", "1.24", "audit.k8s.io/v1"),
    _api(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        "1.24",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    _api(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        "1.31",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    _api(
        "admissionregistration.k8s.io/v1alpha1",
        "ValidatingAdmissionPolicy",
        "1.28",
        "1.33",
        "admissionregistration.k8s.io/v1",
    ),
    _api(
        "admissionregistration.k8s.io/v1alpha1",
        "ValidatingAdmissionPolicyBinding",
        "1.28",
        "1.33",
        "admissionregistration.k8s.io/v1",
    ),
    _api("resource.k8s.io/v1beta1", "ResourceSlice", "1.33", "1.36", "resource.k8s.io/v1beta2"),
    _api("resource.k8s.io/v1beta1", "ResourceClaim", "1.33", "1.36", "resource.k8s.io/v1beta2"),
    _api("resource.k8s.io/v1beta1", "DeviceClass", "1.33", "1.36", "resource.k8s.io/v1beta2"),
    _api("resource.k8s.io/v1beta1", "ResourceClaimTemplate", "1.33", "1.36", "resource.k8s.io/v1beta2"),
    _api("resource.k8s.io/v1alpha3", "ResourceSlice", "1.32", "1.34", "resource.k8s.io/v1"),
    _api("resource.k8s.io/v1alpha3", "ResourceClaim", "1.32", "1.34", "resource.k8s.io/v1"),
    _api("resource.k8s.io/v1alpha3", "DeviceClass", "1.32", "1.34", "resource.k8s.io/v1"),
    _api("resource.k8s.io/v1alpha3", "ResourceClaimTemplate", "1.32", "1.34", "resource.k8s.io/v1"),
    _api("storage.k8s.io/v1beta1", "VolumeAttributesClass", "1.34", None, "storage.k8s.io/v1"),
    _api("storage.k8s.io/v1alpha1", "VolumeAttributesClass", "1.31", "1.35", "storage.k8s.io/v1"),
    _api(
        "storagemigration.k8s.io/v1alpha1",
        "StorageVersionMigration",
        "1.35",
        "1.35",
        "storagemigration.k8s.io/v1beta1",
    ),
)
"""Built-in APIs that upstream deprecated or removed, row for row as :data:`API_SOURCE` tabulates them (read
:data:`READ`; its ``*List`` kinds left out, pluto's ``FlowControl`` kept as it spells it). Custom
resources (``argoproj.io``, ``keda.sh``...) are served by their add-on's CRDs and are not listed here."""


class ApiStatus(StrEnum):
    REMOVED = "removed"
    DEPRECATED = "deprecated"


def api_status(api_version: str, kind: str, target: str) -> tuple[ApiStatus, ApiChange] | None:
    """Whether ``kind`` at ``api_version`` is removed in or deprecated by the ``target`` minor."""
    for change in API_CHANGES:
        if change.api_version != api_version or change.kind != kind:
            continue
        if change.removed_in is not None and minor(target) >= minor(change.removed_in):
            return ApiStatus.REMOVED, change
        if change.deprecated_in is not None and minor(target) >= minor(change.deprecated_in):
            return ApiStatus.DEPRECATED, change
    return None


# --- Version skew -----------------------------------------------------------------------------------------

SKEW_SOURCE = (
    "Kubernetes 'Version Skew Policy' (https://kubernetes.io/docs/setup/release/version-skew-policy/): kubelet and"
    " kube-proxy must not be newer than kube-apiserver and may be up to three minor versions older (two before"
    " 1.28); quoted by the EKS user guide's FAQ 'The Kubernetes project tests compatibility between the control"
    " plane and nodes for up to three minor versions' (kubernetes-versions.adoc at commit"
    " 013856044148d6eeed4723027a45aa2180536bcb)"
)
NODE_MAX_MINORS_BEHIND = 3
EKS_UPDATE_SOURCE = (
    "awsdocs/amazon-eks-user-guide latest/ug/clusters/update-cluster.adoc at commit"
    " 4d52b4d05e3478582e7d10a73cbd9ba9194dd5f7: 'Before updating your control plane to a new Kubernetes version,"
    " make sure that the Kubernetes minor version of both the managed nodes and Fargate nodes in your cluster are the"
    " same as your control plane's version'; 'Once you upgrade a cluster, you can't downgrade'; a failed"
    " update's health checks revert it ('your cluster remains on the prior Kubernetes version')"
)
