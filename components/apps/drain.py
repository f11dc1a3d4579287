"""Draining a queue before its workers are replaced (pure): no job is lost to a release.

A queue worker with ``autoscaling.queue.drain`` ships as an Argo ``Rollout`` whose canary (no traffic
routing: weights are replica counts, and the first step runs before any new pod exists) is:

1. ``analysis`` ``<worker>-queue-drained``: the queue's length plus the jobs in flight, measured every
   ``interval`` up to ``count`` times, until ``consecutiveSuccesses`` measurements in a row are 0
   (``consecutiveSuccessLimit``: Argo Rollouts >= 1.8, docs/features/analysis.md, "ConsecutiveSuccessLimit
   and FailureLimit"). A measurement that is not 0 fails, and ``failureLimit`` is ``count``, so failures
   never end the run early. Both limits applicable is what makes running out of measurements
   *Inconclusive* (Argo v1.8.3 ``analysis/analysis.go::assessMetricStatus``: with ``failureLimit: -1``
   alone the same timeout is *Failed*, which would abort the rollout). An empty answer (no series: the
   workers export nothing, Prometheus lost them) is not a 0: the success condition is guarded with
   ``len(result) > 0``, so it counts as not drained.
2. ``setWeight: 100``: the new workers come up and the old ones get SIGTERM, which they answer warm
   (running jobs finish within ``terminationGracePeriodSeconds``, checked to exceed the longest job).

Before ``pulumi up`` the deploy workflow holds each such worker whose image changes
(``.github/scripts/queue_hold.py hold``, reading the annotations :func:`hold_annotations` puts on the
Rollout): it turns on the worker's expiring ``pauseFlag`` in AppConfig with ``until`` = now +
:func:`hold_seconds`, so the producers stop enqueueing, and pauses the worker's KEDA ``ScaledObject``
(``autoscaling.keda.sh/paused: "true"``, KEDA ``apis/keda/v1alpha1/scaledobject_types.go``
``PausedAnnotation``; ``paused-scale-in`` would be narrower but needs KEDA >= 2.18, and the platform
pins chart 2.17.2) so it neither scales the workers in while the queue is empty nor fights the rollout.
A step with ``if: always()`` after ``pulumi up`` (``queue_hold.py release``) turns the flag off and
removes the annotation, whatever happened; the flag's ``until`` ends the pause even if that step never
runs.

**When the drain times out** (``count`` measurements without the consecutive zeros): the analysis run
ends ``Inconclusive`` (neither limit reached), Argo pauses the Rollout at its first step, before any
new worker exists: the old workers keep running every job. ``pulumi up`` waits for ``Healthy`` until
``rolloutTimeoutSeconds`` and fails; the always-step resumes enqueueing and KEDA. A person then looks at
the queue and either promotes (``promote.yml``: the new workers roll while jobs remain; the old ones
finish theirs warm) or aborts (nothing changed). A rollback (``rollbackTo``) skips the drain.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from components.apps.flags import FLAG_NAME
from components.core.model import Spec

HOLD_PREFIX = "release.platform/"
"""Annotations on a draining worker's Rollout that tell the deploy workflow what to hold."""
KEDA_PAUSED = "autoscaling.keda.sh/paused"
ANALYSIS_API = "argoproj.io/v1alpha1"


class DrainSpec(Spec):
    """Drain the queue before the workers are replaced.

    Attributes:
        pause_flag: the expiring boolean flag (``services:flags``, ``expires: true``) that stops the
            producers enqueueing on this queue (required).
        interval: between measurements of the queue. Defaults to ``15s``.
        count: measurements at most; the drain gives up (Inconclusive) after ``interval * count``.
            Defaults to 40 (10 minutes at 15 s).
        consecutive_successes: measurements of 0 in a row that count as drained. Defaults to 2.
    """

    pause_flag: str = Field(pattern=FLAG_NAME.pattern)
    interval: str = Field(default="15s", pattern=r"^[1-9][0-9]*[sm]$")
    count: int = Field(default=40, ge=2, le=240)
    consecutive_successes: int = Field(default=2, ge=1, le=20)


def interval_seconds(drain: DrainSpec) -> int:
    value = int(drain.interval[:-1])
    return value * 60 if drain.interval.endswith("m") else value


def drain_seconds(drain: DrainSpec) -> int:
    """The longest the drain step waits: ``interval * count``."""
    return interval_seconds(drain) * drain.count


def template_name(worker: str) -> str:
    return f"{worker}-queue-drained"


def drained_query(queue: str, length_metric: str, in_flight_metric: str) -> str:
    """Jobs waiting plus jobs running on ``queue``: 0 only when both series exist and are 0."""
    selector = f'{{queue="{queue}"}}'
    return f"sum({length_metric}{selector}) + sum({in_flight_metric}{selector})"


def analysis_template(
    worker: str,
    drain: DrainSpec,
    queue: str,
    length_metric: str,
    in_flight_metric: str,
    namespace: str,
    prometheus_url: str,
) -> dict[str, Any]:
    """The worker's ``<worker>-queue-drained`` AnalysisTemplate."""
    return {
        "apiVersion": ANALYSIS_API,
        "kind": "AnalysisTemplate",
        "metadata": {
            "name": template_name(worker),
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "product", "app.kubernetes.io/managed-by": "pulumi"},
        },
        "spec": {
            "metrics": [
                {
                    "name": "queue-drained",
                    "interval": drain.interval,
                    "count": drain.count,
                    # No data is not drained: an empty result fails the guard, the measurement fails.
                    # failureLimit = count: failures never end the run; running out of measurements
                    # without the consecutive zeros is Inconclusive (the rollout pauses for a person).
                    "successCondition": "len(result) > 0 && result[0] == 0",
                    "failureLimit": drain.count,
                    "consecutiveSuccessLimit": drain.consecutive_successes,
                    "provider": {
                        "prometheus": {
                            "address": prometheus_url,
                            "query": drained_query(queue, length_metric, in_flight_metric),
                        }
                    },
                }
            ]
        },
    }


def canary_steps(worker: str) -> list[dict[str, Any]]:
    """Drain first (no new pod exists yet: the canary's weight is 0), then replace every worker."""
    return [{"analysis": {"templates": [{"templateName": template_name(worker)}]}}, {"setWeight": 100}]


def hold_seconds(drain: DrainSpec, rollout_timeout_seconds: int) -> int:
    """How long the enqueue pause may last at most: the drain's bound plus the rollout's own timeout
    (``pulumi up`` gives up then, and the always-step resumes); the flag's ``until``."""
    return drain_seconds(drain) + rollout_timeout_seconds


def hold_annotations(
    worker: str, drain: DrainSpec, scaled_object: str, rollout_timeout_seconds: int
) -> dict[str, str]:
    """What the deploy workflow's hold reads from the Rollout (``queue_hold.py``)."""
    return {
        f"{HOLD_PREFIX}pause-flag": drain.pause_flag,
        f"{HOLD_PREFIX}hold-seconds": str(hold_seconds(drain, rollout_timeout_seconds)),
        f"{HOLD_PREFIX}scaled-object": scaled_object,
    }
