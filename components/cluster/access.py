"""Who gets what on the cluster: EKS access entries per identity and the RBAC the access policies lack.

EKS access policies cover the built-in API groups only (the AWS docs list their rules), so the custom
resources a project manages are granted by plain Kubernetes RBAC bound to the groups the access entries
put their identities in. Pure data: ``EksCluster`` creates the entries, ``ProductNamespace`` the RBAC.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from components.cluster.spec import AccessSpec

ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy"
EDIT_ACCESS_POLICY = "AmazonEKSEditPolicy"
VIEW_ACCESS_POLICY = "AmazonEKSViewPolicy"

SERVICES_DEPLOYERS_GROUP = "platform-services-deployers"
"""Kubernetes group of the services deploy identities (bound in the product namespace)."""
PREVIEWERS_GROUP = "platform-previewers"
"""Kubernetes group of the preview identities (bound cluster-wide, read only)."""

SERVICES_CUSTOM_RESOURCES: dict[str, tuple[str, ...]] = {
    "argoproj.io": ("rollouts", "analysistemplates", "analysisruns", "experiments"),
    "external-secrets.io": ("externalsecrets",),
    "keda.sh": ("scaledobjects", "triggerauthentications"),
    "monitoring.coreos.com": ("servicemonitors", "podmonitors"),
}
"""The custom resources the services project creates in the product namespace, by API group."""

PREVIEW_CUSTOM_RESOURCES: dict[str, tuple[str, ...]] = {
    **SERVICES_CUSTOM_RESOURCES,
    "external-secrets.io": ("externalsecrets", "clustersecretstores", "secretstores"),
    "monitoring.coreos.com": ("servicemonitors", "podmonitors", "prometheusrules"),
}
"""What a preview reads beyond ``AmazonEKSViewPolicy``: the same kinds plus the platform's own."""

READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch", "delete")


class Role(StrEnum):
    ADMIN = "admin"
    PLATFORM_DEPLOY = "platform-deploy"
    SERVICES_DEPLOY = "services-deploy"
    PREVIEW = "preview"


@dataclass(frozen=True)
class Grant:
    """One identity's access entry and its single access-policy association.

    Attributes:
        principal_arn: the IAM role.
        role: what it is for.
        access_policy: the EKS access policy name.
        namespaces: the association's namespaces; empty means the whole cluster.
        groups: Kubernetes groups the entry puts the identity in (bound by RBAC).
    """

    principal_arn: str
    role: Role
    access_policy: str
    namespaces: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def grants(access: AccessSpec) -> list[Grant]:
    """Every access entry the cluster has, one per identity. Nothing is implicit: the cluster's creator
    gets no entry of its own (``bootstrap_cluster_creator_admin_permissions`` is off)."""
    return (
        [Grant(arn, Role.ADMIN, ADMIN_ACCESS_POLICY) for arn in access.admin_role_arns]
        + [Grant(arn, Role.PLATFORM_DEPLOY, ADMIN_ACCESS_POLICY) for arn in access.platform_deploy_role_arns]
        + [
            Grant(
                arn,
                Role.SERVICES_DEPLOY,
                EDIT_ACCESS_POLICY,
                access.deploy_namespaces,
                (SERVICES_DEPLOYERS_GROUP,),
            )
            for arn in access.services_deploy_role_arns
        ]
        + [
            Grant(arn, Role.PREVIEW, VIEW_ACCESS_POLICY, (), (PREVIEWERS_GROUP,))
            for arn in access.preview_role_arns
        ]
    )


def _rules(resources: dict[str, tuple[str, ...]], verbs: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"apiGroups": [group], "resources": list(kinds), "verbs": list(verbs)}
        for group, kinds in sorted(resources.items())
    ]


def services_deployer_rules() -> list[dict[str, Any]]:
    """The Role the services deploy identities get in the product namespace, beyond the Edit policy:
    the services' custom resources, and promotion (Argo's ``promote`` patches ``rollouts/status``)."""
    return [
        *_rules(SERVICES_CUSTOM_RESOURCES, READ + WRITE),
        {"apiGroups": ["argoproj.io"], "resources": ["rollouts/status"], "verbs": ["get", "patch", "update"]},
    ]


def previewer_rules() -> list[dict[str, Any]]:
    """The ClusterRole of the preview identities: read the custom resources, nothing else."""
    return _rules(PREVIEW_CUSTOM_RESOURCES, READ)
