"""The product namespace enforces Pod Security ``restricted``: every pod the stacks render must meet it."""

from __future__ import annotations

from typing import Any

import pytest

from components.apps import manifests
from settings import stacks
from settings.config import parse, parse_services
from tests.conftest import STACKS


def _workloads(stack: str) -> list[tuple[str, dict[str, Any]]]:
    platform = parse(dict(stacks.read(stack).config), stack)
    services_file = stacks.read(stack, stacks.Project.SERVICES)
    config = parse_services(dict(services_file.config), stack, platform).config
    target = manifests.Target(
        environment=stack,
        namespace="product",
        delivery=config.delivery,
        secret_store="aws-secrets-manager",
        prometheus_url="http://prometheus:9090",
        ingress_class="alb",
        redis_address="redis:6379",
        shared_env={"REDIS_HOST": "redis"},
    )
    found = []
    for name, spec in config.apps.items():
        objects = (
            manifests.render_migration(name, spec, target) + manifests.render_app(name, spec, target).objects
        )
        found += [
            (f"{stack}-{name}-{o['kind']}", o)
            for o in objects
            if o["kind"] in ("Deployment", "Rollout", "Job")
        ]
    return found


WORKLOADS = [w for stack in STACKS for w in _workloads(stack)]


_RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def restricted_problems(pod: dict[str, Any]) -> list[str]:
    """Where ``pod`` breaks the Pod Security Standard ``restricted`` (Kubernetes v1.34 profile)."""
    problems = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            problems.append(f"{field} is set")
    pod_sc = pod.get("securityContext", {})
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= _RESTRICTED_VOLUMES:
            problems.append(f"volume {volume['name']} is {sorted(kinds)}")
    for container in pod.get("initContainers", []) + pod["containers"]:
        sc, name = container.get("securityContext", {}), container["name"]
        if sc.get("privileged"):
            problems.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []) or set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: capabilities must drop ALL and add at most NET_BIND_SERVICE")
        if not sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot is not true")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            problems.append(f"{name}: runAsUser is 0")
        seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {})).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile is {seccomp!r}")
        if any(p.get("hostPort") for p in container.get("ports", [])):
            problems.append(f"{name}: hostPort")
    return problems


@pytest.mark.parametrize("case", WORKLOADS, ids=lambda c: c[0])
def test_every_pod_meets_the_restricted_pod_security_standard(case):
    """The product namespace enforces ``restricted``: a pod that breaks it would never be admitted."""
    assert restricted_problems(case[1]["spec"]["template"]["spec"]) == []


def test_the_restricted_check_catches_a_root_privileged_pod():
    pod = {
        "hostNetwork": True,
        "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
        "containers": [{"name": "c", "securityContext": {"privileged": True, "runAsUser": 0}}],
    }
    assert len(restricted_problems(pod)) == 8  # host network, hostPath, and six container faults
