"""Every hardening property on every workload of every stack, as the stack files render it (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from components.apps import manifests
from components.apps.spec import AppSpec
from tests.components.apps.support import services_settings, target, validate
from tests.conftest import STACKS


def _stack(stack: str) -> tuple[manifests.Target, dict[str, AppSpec]]:
    config = services_settings(stack).config
    return target(stack, config.delivery), config.apps


def _objects(stack: str) -> list[tuple[str, AppSpec, dict[str, Any]]]:
    target, services = _stack(stack)
    return [
        (name, spec, manifest)
        for name, spec in services.items()
        for manifest in manifests.render_migration(name, spec, target)
        + manifests.render_app(name, spec, target).objects
    ]


CASES = [(stack, name, spec, m) for stack in STACKS for name, spec, m in _objects(stack)]
WORKLOADS = [c for c in CASES if c[3]["kind"] in ("Deployment", "Rollout", "Job")]
SERVING = [c for c in WORKLOADS if c[3]["kind"] != "Job"]


def _id(case) -> str:
    stack, name, _, manifest = case
    return f"{stack}-{name}-{manifest['kind']}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_every_object_of_every_stack_is_schema_valid(case):
    validate(case[3])


@pytest.mark.parametrize("case", WORKLOADS, ids=_id)
def test_every_pod_runs_hardened(case):
    pod = case[3]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        sc = container["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}
        assert set(container["resources"]) == {"requests", "limits"}
        assert (
            set(container["resources"]["requests"])
            == {"cpu", "memory"}
            == set(container["resources"]["limits"])
        )
        assert "@" in container["image"] or ":" in container["image"].rsplit("/", 1)[-1]


@pytest.mark.parametrize("case", SERVING, ids=_id)
def test_every_service_is_probed_spread_and_drained(case):
    _, _, spec, manifest = case
    pod = manifest["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    zones = [c for c in pod["topologySpreadConstraints"] if c["topologyKey"] == "topology.kubernetes.io/zone"]
    assert zones
    assert zones[0]["whenUnsatisfiable"] == "DoNotSchedule"
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == spec.drain_seconds > 0
    assert pod["terminationGracePeriodSeconds"] == spec.termination_grace_period_seconds > spec.drain_seconds


@pytest.mark.parametrize("stack", STACKS)
def test_every_service_has_an_autoscaler_and_a_budget_when_replicated(stack):
    objects = _objects(stack)
    for name, spec in _stack(stack)[1].items():
        kinds = [m["kind"] for n, _, m in objects if n == name]
        scaler = "ScaledObject" if spec.autoscaling and spec.autoscaling.queue else "HorizontalPodAutoscaler"
        assert scaler in kinds, name
        assert ("PodDisruptionBudget" in kinds) == (spec.min_replicas > 1), name


@pytest.mark.parametrize("stack", STACKS)
def test_realtime_drains_websockets_for_sixty_seconds_in_every_stack(stack):
    realtime = _stack(stack)[1]["realtime"]
    assert realtime.drain_seconds == 60
    assert realtime.ingress is not None
    assert realtime.ingress.sticky_seconds > 0


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_value_is_in_any_manifest(stack):
    for _, spec, manifest in _objects(stack):
        if manifest["kind"] in ("Deployment", "Rollout", "Job"):
            for env in manifest["spec"]["template"]["spec"]["containers"][0]["env"]:
                secret = env["name"] in {ref.env for ref in spec.secrets}
                assert ("valueFrom" in env) == secret, env
        assert manifest["kind"] != "Secret"
