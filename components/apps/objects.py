"""Turn a rendered manifest into the ``pulumi_kubernetes`` resource of its kind.

Core kinds use the typed classes (the SDK checks their argument names); Argo Rollouts, External
Secrets and KEDA kinds are ``apiextensions.CustomResource``. The caller passes options carrying the
Kubernetes provider explicitly: no object ever falls back to a default provider.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pydantic.alias_generators import to_snake

_TYPED: dict[tuple[str, str], Callable[..., pulumi.CustomResource]] = {
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "Service"): k8s.core.v1.Service,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("batch/v1", "Job"): k8s.batch.v1.Job,
    ("networking.k8s.io/v1", "Ingress"): k8s.networking.v1.Ingress,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s.autoscaling.v2.HorizontalPodAutoscaler,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
}


def create(
    resource_name: str, manifest: dict[str, Any], opts: pulumi.ResourceOptions
) -> pulumi.CustomResource:
    """Register ``manifest`` as a resource named ``resource_name`` with ``opts``."""
    fields = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    typed = _TYPED.get((manifest["apiVersion"], manifest["kind"]))
    if typed is not None:
        # Top-level fields are keyword arguments (snake_case); nested dicts keep the manifest's keys.
        return typed(resource_name, **{to_snake(k): v for k, v in fields.items()}, opts=opts)
    return k8s.apiextensions.CustomResource(
        resource_name, api_version=manifest["apiVersion"], kind=manifest["kind"], **fields, opts=opts
    )


def resource_name(component: str, manifest: dict[str, Any], service: str) -> str:
    """``<component>-<kind>[-<suffix>]``: the suffix is what the object's name adds to the service's
    (``-canary``), so names derive from the component's and a component can be used twice."""
    kind = manifest["kind"].lower()
    object_name = manifest["metadata"].get("name", service)
    suffix = object_name.removeprefix(service)
    return f"{component}-{kind}{suffix}"
