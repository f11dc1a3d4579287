"""The drain before a worker release: the real CRD accepts it, no data is not drained (pure)."""

from __future__ import annotations

from components.apps import manifests
from components.apps.drain import DrainSpec, analysis_template, drain_seconds, hold_annotations
from components.apps.spec import DeliverySpec
from tests.components.apps.expr import evaluate_result
from tests.components.apps.support import app, target, validate

DRAIN = DrainSpec(pause_flag="pause-enqueue-convert", interval="10s", count=24)


def template() -> dict:
    return analysis_template(
        "worker-convert", DRAIN, "job:convert", "queue_length", "jobs_in_flight", "product", "http://prom"
    )


def test_the_drain_template_is_valid_for_the_real_crd_and_retries_with_a_bound():
    manifest = template()
    validate(manifest)
    (metric,) = manifest["spec"]["metrics"]
    # failures (not drained yet) never fail the analysis; 2 zeros in a row pass it; 24 tries at most
    assert (metric["failureLimit"], metric["consecutiveSuccessLimit"], metric["count"]) == (24, 2, 24)
    assert metric["provider"]["prometheus"]["query"] == (
        'sum(queue_length{queue="job:convert"}) + sum(jobs_in_flight{queue="job:convert"})'
    )
    assert drain_seconds(DRAIN) == 240


def test_no_data_and_a_non_empty_queue_are_not_drained():
    metric = template()["spec"]["metrics"][0]
    assert evaluate_result([0.0], metric) == "Successful"
    assert evaluate_result([3.0], metric) == "Failed"  # within failureLimit (= count): never fatal
    assert evaluate_result([], metric) == "Failed"  # no series: not drained


def test_a_draining_worker_is_a_rollout_that_drains_before_its_first_new_pod_and_keda_targets_it():
    spec = app(
        service=False,
        uses={"cache": {"prefixes": ["job:convert"]}},
        autoscaling={
            "minReplicas": 1,
            "queue": {
                "listName": "job:convert",
                "longestJobSeconds": 60,
                "drain": DRAIN.model_dump(by_alias=True),
            },
        },
        terminationGracePeriodSeconds=120,
    )
    rendered = manifests.render_app("worker-convert", spec, target("prod", DeliverySpec()))
    rollout = rendered.workload
    validate(rollout)
    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    assert steps[0] == {"analysis": {"templates": [{"templateName": "worker-convert-queue-drained"}]}}
    assert steps[1] == {"setWeight": 100}
    annotations = rollout["metadata"]["annotations"]
    assert annotations["pulumi.com/waitFor"] == manifests.WAIT_HEALTHY
    assert annotations | hold_annotations("worker-convert", DRAIN, "worker-convert", 900) == annotations
    (scaled,) = rendered.dependents
    assert scaled["spec"]["scaleTargetRef"] == {
        "apiVersion": manifests.ROLLOUT_API,
        "kind": "Rollout",
        "name": "worker-convert",
    }
    # a rollback ships at once, without the drain
    back = manifests.render_app(
        "worker-convert",
        spec.model_copy(update={"rollback_to": spec.image + "0"}),
        target("prod", DeliverySpec()),
    )
    assert back.workload["spec"]["strategy"]["canary"]["steps"] == []


def assess(phases: list[str], metric: dict) -> str:
    """Argo Rollouts v1.8.3 ``analysis/analysis.go::assessMetricStatus`` for measurements that are each
    Successful or Failed: failures past ``failureLimit`` fail the run, ``consecutiveSuccessLimit`` zeros
    in a row pass it, and reaching ``count`` with both limits applicable and neither reached is
    Inconclusive (with only the success limit applicable it would be Failed)."""
    failed = phases.count("Failed")
    if metric["failureLimit"] >= 0 and failed > metric["failureLimit"]:
        return "Failed"
    streak = 0
    for phase in phases:
        streak = streak + 1 if phase == "Successful" else 0
    if streak >= metric["consecutiveSuccessLimit"]:
        return "Successful"
    if len(phases) >= metric["count"]:
        return "Inconclusive" if metric["failureLimit"] >= 0 else "Failed"
    return "Running"


def test_drained_passes_a_queue_that_never_empties_times_out_inconclusive_and_pauses():
    metric = template()["spec"]["metrics"][0]
    busy = [evaluate_result([5.0], metric)] * 10 + [evaluate_result([0.0], metric)] * 2
    assert assess(busy, metric) == "Successful"
    assert assess([evaluate_result([5.0], metric)] * 10, metric) == "Running"
    assert assess([evaluate_result([], metric)] * 24, metric) == "Inconclusive"  # no data: never drained
    assert assess(["Failed", "Successful"] * 12, metric) == "Inconclusive"  # never two zeros in a row
