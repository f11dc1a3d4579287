"""Kubernetes workloads (Deployments, StatefulSets, Argo Rollouts): probes, resources, non-root, and
images pinned to a tag other than ``latest`` (or a digest)."""

from __future__ import annotations

from typing import Any

from policy.model import UNKNOWN, Resource, ResourceRule, is_set, is_true, items

WORKLOAD_TYPES = (
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:argoproj.io/v1alpha1:Rollout",
)


def image_problem(image: Any) -> str | None:
    """Why ``image`` is not pinned, or ``None``.

    ``repo@sha256:...`` and ``repo:tag`` are pinned; no tag (which means ``latest``) and ``:latest`` are
    not. A port in the registry host (``host:5000/repo``) is not a tag.
    """
    if image is UNKNOWN:
        return None
    if not isinstance(image, str) or not image:
        return "has no image"
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"image {image!r} has no tag (it would pull 'latest')"
    if last.rsplit(":", 1)[1] == "latest":
        return f"image {image!r} uses the mutable 'latest' tag"
    return None


def _container_problems(container: dict[str, Any], pod_non_root: bool) -> list[str]:
    view = Resource("", "", container)
    name = container.get("name", "?")
    problems = []
    image = image_problem(container.get("image"))
    if image:
        problems.append(image)
    for probe in ("readinessProbe", "livenessProbe"):
        if not is_set(view.get(probe)):
            problems.append(f"has no {probe}")
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory") if kind == "requests" else ("memory",):
            if not is_set(view.get("resources", kind, resource)):
                problems.append(f"has no resources.{kind}.{resource}")
    if not (pod_non_root or is_true(view.get("securityContext", "runAsNonRoot"))):
        problems.append("may run as root (set securityContext.runAsNonRoot: true)")
    return [f"container {name!r} {p}" for p in problems]


def _workload(r: Resource) -> list[str]:
    if r.type not in WORKLOAD_TYPES:
        return []
    if is_set(r.get("spec", "workloadRef")):
        return []  # a Rollout that references a Deployment: that Deployment is checked itself
    pod = r.get("spec", "template", "spec")
    if pod is UNKNOWN:
        return []
    if not isinstance(pod, dict):
        return ["spec.template.spec is missing"]
    pod_view = Resource(r.type, r.name, pod)
    pod_non_root = pod_view.get("securityContext", "runAsNonRoot") is True
    containers = items(pod.get("containers")) + items(pod.get("initContainers"))
    problems = []
    for container in items(pod.get("containers")):
        if isinstance(container, dict):
            problems += _container_problems(container, pod_non_root)
    for container in items(pod.get("initContainers")):
        image = image_problem(container.get("image")) if isinstance(container, dict) else None
        if image:
            problems.append(f"init container {container.get('name', '?')!r} {image}")
    return problems if containers else ["has no containers"]


WORKLOAD_HARDENING = ResourceRule(
    "workload-hardening",
    "Deployments and Rollouts have readiness and liveness probes, CPU/memory requests and a memory limit, "
    "run as non-root, and pin their images (no 'latest').",
    _workload,
)
