"""Rendered manifests per strategy: golden files, schema validation, rollback and abort paths (pure)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from components.apps import gates, manifests
from components.apps.spec import AppSpec, DeliverySpec, Gate
from components.cluster.charts import PROMETHEUS_URL
from tests.components.apps.support import TARGET, app, validate

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

SECRETS = [
    {"secret": "jwt-signing-key", "env": "JWT_SECRET"},
    {"secret": "openai-api-key", "env": "OPENAI_API_KEY"},
    {"secret": "partner-credentials", "env": "PARTNER_TOKEN", "property": "token"},
]
USES = {"secrets": [s["secret"] for s in SECRETS], "database": True, "cache": {"prefixes": ["job:"]}}

FIXTURES: dict[str, tuple[str, AppSpec]] = {
    "rolling": (
        "gateway",
        app(
            env={"LOG_LEVEL": "info"},
            secrets=SECRETS,
            uses=USES,
            autoscaling={"minReplicas": 2, "maxReplicas": 4},
            ingress={"host": "api.example.com"},
            migration={"command": ["npx", "prisma", "migrate", "deploy"]},
        ),
    ),
    "rolling-single": ("mcp", app(image="registry.example.com/product/mcp:v1.2.3")),
    "blue-green": (
        "web",
        app(
            image="registry.example.com/product/web:v1.2.3",
            autoscaling={"minReplicas": 3, "maxReplicas": 6},
            ingress={"host": "app.example.com"},
            strategy={"type": "blueGreen", "scaleDownDelaySeconds": 1800},
        ),
    ),
    "canary": (
        "gateway",
        app(
            secrets=SECRETS,
            uses=USES,
            autoscaling={"minReplicas": 3, "maxReplicas": 10},
            ingress={"host": "api.example.com"},
            strategy={"type": "canary"},
        ),
    ),
    "worker-keda": (
        "worker-convert",
        app(
            image="registry.example.com/product/worker:v1.2.3",
            args=["worker", "--queue", "job:convert"],
            secrets=SECRETS[:2],
            uses=USES,
            service=False,
            autoscaling={
                "minReplicas": 1,
                "maxReplicas": 5,
                "queue": {"listName": "job:convert", "longestJobSeconds": 20},
            },
            drainSeconds=20,
            terminationGracePeriodSeconds=300,
        ),
    ),
    "realtime": (
        "realtime",
        app(
            image="registry.example.com/product/realtime:v1.2.3",
            autoscaling={"minReplicas": 3, "maxReplicas": 10},
            ingress={"host": "rt.example.com", "stickySeconds": 3600},
            drainSeconds=60,
            terminationGracePeriodSeconds=75,
        ),
    ),
}


def rendered(case: str) -> list[dict[str, Any]]:
    name, spec = FIXTURES[case]
    return manifests.render_migration(name, spec, TARGET) + manifests.render_app(name, spec, TARGET).objects


def _check_golden(file: str, documents: list[dict[str, Any]]) -> None:
    text = yaml.safe_dump_all(documents, sort_keys=False, width=110)
    path = GOLDEN / file
    if UPDATE or not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"{file} changed; review and rerun with UPDATE_GOLDEN=1"


@pytest.mark.parametrize("case", sorted(FIXTURES))
def test_rendered_manifests_match_the_reviewed_golden_file(case):
    _check_golden(f"{case}.yaml", rendered(case))


def test_analysis_templates_match_the_reviewed_golden_file():
    templates = [gates.analysis_template(gate, DeliverySpec(), "product", PROMETHEUS_URL) for gate in Gate]
    _check_golden("analysis-templates.yaml", templates)


@pytest.mark.parametrize("case", sorted(FIXTURES))
def test_every_rendered_object_is_valid_for_its_schema(case):
    for manifest in rendered(case):
        validate(manifest)


@pytest.mark.parametrize("gate", list(Gate))
def test_analysis_templates_use_only_argo_rollouts_fields(gate):
    validate(gates.analysis_template(gate, DeliverySpec(), "product", PROMETHEUS_URL))


def test_the_validators_reject_an_invented_field():
    deployment = manifests.deployment("web", app(), TARGET)
    deployment["spec"]["template"]["spec"]["containers"][0]["drainSeconds"] = 60
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment)
    canary = manifests.rollout("gateway", FIXTURES["canary"][1], TARGET)
    canary["spec"]["strategy"]["canary"]["trafficRouting"]["alb"]["weight"] = 10
    with pytest.raises(jsonschema.ValidationError):
        validate(canary)


def _kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in documents if d["kind"] == kind]


def test_rolling_never_drops_below_desired_and_gates_on_readiness():
    deployment = _kind(rendered("rolling"), "Deployment")[0]
    spec = deployment["spec"]
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    assert spec["minReadySeconds"] == 10
    assert "replicas" not in spec  # the HPA owns it
    container = spec["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_blue_green_waits_for_a_person_and_analysis_before_switching():
    strategy = _kind(rendered("blue-green"), "Rollout")[0]["spec"]["strategy"]["blueGreen"]
    assert strategy["activeService"] == "web"
    assert strategy["previewService"] == "web-preview"
    assert strategy["autoPromotionEnabled"] is False
    assert strategy["scaleDownDelaySeconds"] == 1800
    analysis = strategy["prePromotionAnalysis"]
    assert [t["templateName"] for t in analysis["templates"]] == ["error-rate", "latency-p95"]
    assert analysis["args"] == [{"name": "service", "value": "web-preview"}]
    services = {s["metadata"]["name"] for s in _kind(rendered("blue-green"), "Service")}
    assert services == {"web", "web-preview"}


def test_canary_shifts_alb_traffic_in_the_configured_steps():
    documents = rendered("canary")
    canary = _kind(documents, "Rollout")[0]["spec"]["strategy"]["canary"]
    assert canary["stableService"] == "gateway"
    assert canary["canaryService"] == "gateway-canary"
    assert canary["trafficRouting"] == {"alb": {"ingress": "gateway", "servicePort": 80}}
    assert [next(iter(s)) for s in canary["steps"]] == [
        "setWeight",
        "pause",
        "analysis",
        "setWeight",
        "pause",
        "analysis",
        "setWeight",
    ]
    assert [s["setWeight"] for s in canary["steps"] if "setWeight" in s] == [10, 50, 100]
    backend = _kind(documents, "Ingress")[0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend == {"service": {"name": "gateway", "port": {"name": "use-annotation"}}}
    assert [d["kind"] for d in documents].index("Ingress") < [d["kind"] for d in documents].index("Rollout")


def test_canary_analysis_aborts_at_the_abort_error_rate():
    canary = _kind(rendered("canary"), "Rollout")[0]
    assert canary["spec"]["progressDeadlineAbort"] is True
    background = canary["spec"]["strategy"]["canary"]["analysis"]
    assert [t["templateName"] for t in background["templates"]] == ["error-rate"]
    assert background["args"] == [{"name": "service", "value": "gateway-canary"}]
    metric = gates.gate_metric(Gate.ERROR_RATE, DeliverySpec(), "product", PROMETHEUS_URL)
    # a single failed measurement (>= 5%) fails the run, and a failed run aborts the rollout
    assert metric["failureCondition"] == "len(result) > 0 && result[0] >= 0.05"
    assert metric["failureLimit"] == 0
    assert metric["successCondition"] == "len(result) > 0 && result[0] < 0.02"


def test_gate_thresholds_come_from_config():
    delivery = DeliverySpec.model_validate(
        {
            "gates": {
                "maxErrorRate": 0.01,
                "abortErrorRate": 0.03,
                "maxP95LatencySeconds": 0.5,
                "window": "10m",
            }
        }
    )
    error = gates.gate_metric(Gate.ERROR_RATE, delivery, "product", PROMETHEUS_URL)
    latency = gates.gate_metric(Gate.LATENCY_P95, delivery, "product", PROMETHEUS_URL)
    jobs = gates.gate_metric(Gate.JOB_SUCCESS_RATE, delivery, "product", PROMETHEUS_URL)
    assert (error["successCondition"], error["failureCondition"]) == (
        "len(result) > 0 && result[0] < 0.01",
        "len(result) > 0 && result[0] >= 0.03",
    )
    assert latency["successCondition"] == "len(result) > 0 && result[0] < 0.5"
    assert "[10m]" in error["provider"]["prometheus"]["query"]
    assert jobs["successCondition"] == "len(result) > 0 && result[0] >= 0.95"
    assert (
        error["provider"]["prometheus"]["address"]
        == "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
    )


def _rolled_back(case: str) -> AppSpec:
    _, spec = FIXTURES[case]
    return spec.model_copy(update={"rollback_to": "registry.example.com/product/gateway:v1.2.2"})


def test_blue_green_rollback_is_one_value_and_switches_at_once():
    rollout = manifests.rollout("web", _rolled_back("blue-green"), TARGET)
    strategy = rollout["spec"]["strategy"]["blueGreen"]
    assert rollout["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v1.2.2")
    assert strategy["autoPromotionEnabled"] is True
    assert "prePromotionAnalysis" not in strategy
    assert rollout["spec"]["rollbackWindow"] == {"revisions": 3}
    validate(rollout)


def test_canary_rollback_skips_steps_and_analysis():
    rollout = manifests.rollout("gateway", _rolled_back("canary"), TARGET)
    canary = rollout["spec"]["strategy"]["canary"]
    assert canary["steps"] == []
    assert "analysis" not in canary
    assert rollout["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v1.2.2")
    validate(rollout)


def test_rollback_does_not_rerun_or_reverse_migrations():
    name, spec = FIXTURES["rolling"]
    before = manifests.render_migration(name, spec, TARGET)
    after = manifests.render_migration(name, _rolled_back("rolling"), TARGET)
    assert before == after
    assert _kind(after, "Job")[0]["spec"]["template"]["spec"]["containers"][0]["image"] == spec.image


def test_removing_rollback_to_rolls_forward_again():
    name, spec = FIXTURES["canary"]
    assert manifests.rollout(
        name, _rolled_back("canary").model_copy(update={"rollback_to": None}), TARGET
    ) == (manifests.rollout(name, spec, TARGET))


def test_migration_job_runs_once_within_the_timeout():
    job = _kind(rendered("rolling"), "Job")[0]
    assert job["spec"]["activeDeadlineSeconds"] == 60
    assert job["spec"]["backoffLimit"] == 0
    assert "name" not in job["metadata"]  # Pulumi names it: a new image replaces it create-first
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["containers"][0]["command"] == ["npx", "prisma", "migrate", "deploy"]
    secret_refs = {
        e["valueFrom"]["secretKeyRef"]["name"] for e in pod["containers"][0]["env"] if "valueFrom" in e
    }
    assert secret_refs == {"gateway-migrate-secrets"}


def test_workers_scale_on_the_queue_length_from_prometheus_without_any_redis_credential():
    documents = rendered("worker-keda")
    scaled = _kind(documents, "ScaledObject")[0]
    queue, cpu = scaled["spec"]["triggers"]
    assert queue == {
        "type": "prometheus",
        "metadata": {
            "serverAddress": PROMETHEUS_URL,
            "query": 'sum(queue_length{queue="job:convert"})',
            "threshold": "10",
        },
    }
    assert not _kind(documents, "TriggerAuthentication")  # the cache admits IAM users only
    assert cpu["metadata"] == {"value": "70"}
    assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (1, 5)
    assert not _kind(documents, "Service")
    assert not _kind(documents, "HorizontalPodAutoscaler")


def test_realtime_is_sticky_and_drains_websockets_for_sixty_seconds():
    documents = rendered("realtime")
    pod = _kind(documents, "Deployment")[0]["spec"]["template"]["spec"]
    assert pod["containers"][0]["lifecycle"] == {"preStop": {"sleep": {"seconds": 60}}}
    assert pod["terminationGracePeriodSeconds"] == 75
    attributes = _kind(documents, "Ingress")[0]["metadata"]["annotations"][
        "alb.ingress.kubernetes.io/target-group-attributes"
    ]
    assert attributes.split(",") == [
        "deregistration_delay.timeout_seconds=60",
        "stickiness.enabled=true",
        "stickiness.type=lb_cookie",
        "stickiness.lb_cookie.duration_seconds=3600",
    ]


def test_a_single_replica_has_no_disruption_budget_and_a_fixed_count():
    documents = rendered("rolling-single")
    assert not _kind(documents, "PodDisruptionBudget")
    assert _kind(documents, "Deployment")[0]["spec"]["replicas"] == 1


def test_secrets_reach_pods_only_through_the_external_secret():
    documents = rendered("rolling")
    external = _kind(documents, "ExternalSecret")[0]
    assert external["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
    assert external["spec"]["data"][2] == {
        "secretKey": "PARTNER_TOKEN",
        "remoteRef": {"key": "platform/prod/partner-credentials", "property": "token"},
    }
    assert external["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=Ready"
    env = _kind(documents, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["env"]
    secret_env = [e for e in env if "valueFrom" in e]
    assert {e["valueFrom"]["secretKeyRef"]["name"] for e in secret_env} == {"gateway-secrets"}
    assert {e["name"] for e in secret_env} == {"JWT_SECRET", "OPENAI_API_KEY", "PARTNER_TOKEN"}
    assert all("value" not in e for e in secret_env)


def test_pulumi_waits_for_rollouts_to_be_healthy_or_paused_for_a_manual_promotion():
    for case, wait in (
        ("blue-green", manifests.WAIT_HEALTHY_OR_AWAITING_PROMOTION),
        ("canary", manifests.WAIT_HEALTHY),
    ):
        rollout = _kind(rendered(case), "Rollout")[0]
        annotations = rollout["metadata"]["annotations"]
        assert annotations["pulumi.com/waitFor"] == wait
        assert annotations["pulumi.com/timeoutSeconds"] == "900"


# --- what `pulumi up` waits for on a Rollout ---------------------------------------------------------


def _pulumi_kubernetes_jsonpath(annotation: str):
    """pulumi-kubernetes' parsing of a ``jsonpath=`` waitFor (provider/pkg/jsonpath/jsonpath.go ``Parse``),
    ported line by line; the expression itself is RFC 9535, evaluated here by jsonpath-rfc9535."""
    import re

    import jsonpath_rfc9535

    assert annotation.startswith("jsonpath=")
    raw = annotation.removeprefix("jsonpath=")
    parts = raw.replace("==", "\ufffd").split("=")
    assert len(parts) <= 2, "format should be {.path}=value or {.path}"
    path = parts[0].replace("\ufffd", "==")
    value = parts[1].replace("\ufffd", "==") if len(parts) == 2 else ""
    (inner,) = re.fullmatch(r".*?\{\s*(.*?)\s*\}.*", path, re.S).groups()  # type: ignore[union-attr]
    query = jsonpath_rfc9535.compile(inner if inner.startswith("$") else "$" + inner)

    def matches(obj: dict) -> bool:
        found = [node.value for node in query.find(obj)]
        if not found:
            return False
        return value == "" or str(found[0]) == value

    return matches


ROLLOUT_STATES = {
    "Healthy": {"phase": "Healthy", "message": "", "stableRS": "abc", "currentPodHash": "abc"},
    "Paused": {
        "phase": "Paused",
        "message": "BlueGreenPause",
        "pauseConditions": [{"reason": "BlueGreenPause"}],
    },
    "Progressing": {"phase": "Progressing", "message": "more replicas need to be updated"},
    "Degraded": {"phase": "Degraded", "message": "RolloutAborted: metric error-rate failed"},
}


@pytest.mark.parametrize(
    ("strategy", "ends_up_on"),
    [
        ({"type": "blueGreen", "autoPromotionEnabled": False}, {"Healthy", "Paused"}),
        ({"type": "blueGreen", "autoPromotionEnabled": True}, {"Healthy"}),
        ({"type": "canary", "steps": [{"setWeight": 50}, {"pause": "1m"}]}, {"Healthy"}),
    ],
)
def test_up_ends_on_healthy_and_for_manual_blue_green_also_when_paused_for_promotion(strategy, ends_up_on):
    spec = app(strategy=strategy, ingress={"host": "app.example.com"}, replicas=2)
    annotation = manifests.rollout("web", spec, TARGET)["metadata"]["annotations"]["pulumi.com/waitFor"]
    matches = _pulumi_kubernetes_jsonpath(annotation)
    ended = {phase for phase, status in ROLLOUT_STATES.items() if matches({"status": status})}
    assert ended == ends_up_on
