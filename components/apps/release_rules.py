"""Checks that keep a release from losing a job, run when the services settings load (pure).

``settings/guardrails.py::check_services`` calls :func:`release_problems`; each problem names its key
relative to ``services:``, the value received and what is allowed:

* cache keys: overlapping prefixes of two services not declared shared (:mod:`components.apps.cache_keys`),
  and a worker's queue outside its own prefixes;
* workers: a SIGTERM grace period that does not cover the preStop drain plus the longest job;
* drain: a pause flag that is not declared or does not expire, a progress deadline shorter than the drain;
* job versions: an emitted version no consumer accepts once the stack is deployed
  (:func:`components.apps.jobs.steady_problems`; a release's rollout is checked by ``release``);
* flags: wrong types, experimental flags on in prod, unknown flags (:mod:`components.apps.flags`).
"""

from __future__ import annotations

from collections.abc import Mapping

from components.apps.cache_keys import CacheSharingSpec, covered, sharing_problems
from components.apps.drain import drain_seconds
from components.apps.flags import FlagSpec, flag_problems
from components.apps.jobs import steady_problems
from components.apps.spec import AppSpec, RollingSpec
from components.core.tier import Tier

Problem = tuple[str, str]


def release_problems(
    apps: Mapping[str, AppSpec],
    sharing: CacheSharingSpec,
    flags: Mapping[str, FlagSpec],
    tier: Tier,
    failed: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Every problem above, over the services that validated (``failed``: the services that did not, which
    references may still name without being wrong)."""
    problems = sharing_problems({n: s.uses.cache for n, s in apps.items() if s.uses.cache}, sharing, failed)
    for name, spec in sorted(apps.items()):
        problems += _worker_problems(name, spec, flags)
    problems += steady_problems({n: s.jobs for n, s in apps.items()})
    problems += flag_problems(flags, tier, {n: s.flags for n, s in apps.items() if s.flags})
    return problems


def _worker_problems(name: str, spec: AppSpec, flags: Mapping[str, FlagSpec]) -> list[Problem]:
    queue = spec.autoscaling.queue if spec.autoscaling else None
    if queue is None:
        return []
    key = f"apps.{name}"
    problems: list[Problem] = []
    cache = spec.uses.cache
    if cache is None or not covered(queue.list_name, cache.prefixes):
        problems.append(
            (
                f"{key}.autoscaling.queue.listName",
                f"{queue.list_name!r} is not under the service's own cache prefixes"
                f" ({', '.join(cache.prefixes) if cache else 'it declares no uses.cache'}): its cache user"
                " could not read the queue",
            )
        )
    needed = spec.drain_seconds + queue.longest_job_seconds
    if spec.termination_grace_period_seconds <= needed:
        problems.append(
            (
                f"{key}.terminationGracePeriodSeconds",
                f"a worker stopped by a release or a scale-in must finish its job: the grace period must"
                f" exceed drainSeconds ({spec.drain_seconds}) + autoscaling.queue.longestJobSeconds"
                f" ({queue.longest_job_seconds}) = {needed} s; got {spec.termination_grace_period_seconds}",
            )
        )
    drain = queue.drain
    if drain is not None:
        flag = flags.get(drain.pause_flag)
        if flag is None or not flag.expires:
            problems.append(
                (
                    f"{key}.autoscaling.queue.drain.pauseFlag",
                    f"the enqueue pause must be a declared flag with expires: true (a pause that cannot stay"
                    f" on); got {drain.pause_flag!r}"
                    + ("" if flag is not None else f", declared: {', '.join(sorted(flags)) or 'none'}"),
                )
            )
        strategy = spec.strategy
        if isinstance(strategy, RollingSpec) and strategy.progress_deadline_seconds <= drain_seconds(drain):
            problems.append(
                (
                    f"{key}.strategy.progressDeadlineSeconds",
                    f"must exceed the drain's longest wait (interval {drain.interval} x count {drain.count}"
                    f" = {drain_seconds(drain)} s), or Argo aborts the release while it drains; got"
                    f" {strategy.progress_deadline_seconds}",
                )
            )
    return problems
