"""Job-schema versions across a rollout: nothing emitted without a consumer that accepts it (pure)."""

from __future__ import annotations

from components.apps.jobs import JobsSpec, jobs_of, steady_problems, stranded, waves_of

Q = "job:convert"


def emits(*versions: int) -> JobsSpec:
    return JobsSpec(emits={Q: versions})


def accepts(*versions: int) -> JobsSpec:
    return JobsSpec(accepts={Q: versions})


def test_steady_state_needs_a_consumer_accepting_every_emitted_version():
    assert steady_problems({"gateway": emits(2), "worker": accepts(1, 2)}) == []
    (problem,) = steady_problems({"gateway": emits(3), "worker": accepts(1, 2)})
    assert problem[0] == f"apps.worker.jobs.accepts.{Q}"
    assert "gateway (new release) emits version(s) [3]" in problem[1]
    (orphan,) = steady_problems({"gateway": emits(2)})
    assert "which no running service accepts" in orphan[1]


def test_producer_and_consumer_released_together_strand_the_new_version_on_old_workers():
    before = {"gateway": emits(1), "worker": accepts(1)}
    after = {"gateway": emits(2), "worker": accepts(1, 2)}
    (problem,) = stranded(before, after, [["gateway", "worker"]])
    assert "gateway (new release) emits version(s) [2]" in problem[1]
    assert "worker (old release) does not accept (accepts [1])" in problem[1]


def test_consumer_first_accepting_both_then_producer_is_safe():
    step1 = stranded(
        {"gateway": emits(1), "worker": accepts(1)},
        {"gateway": emits(1), "worker": accepts(1, 2)},
        [["gateway", "worker"]],
    )
    step2 = stranded(
        {"gateway": emits(1), "worker": accepts(1, 2)},
        {"gateway": emits(2), "worker": accepts(1, 2)},
        [["gateway", "worker"]],
    )
    assert step1 == step2 == []


def test_dropping_a_version_the_old_producer_still_emits_is_refused_while_the_consumer_rolls():
    (problem,) = stranded(
        {"gateway": emits(1), "worker": accepts(1, 2)},
        {"gateway": emits(1), "worker": accepts(2)},
        [["gateway", "worker"]],
    )
    assert problem[1].startswith("while worker rolls out, gateway (old release) emits version(s) [1]")


def test_a_later_wave_runs_only_after_the_earlier_is_new():
    # worker rolls first (wave 1, accepting 1 and 2), then gateway switches to 2: safe
    before = {"worker": accepts(1), "gateway": emits(1)}
    after = {"worker": accepts(1, 2), "gateway": emits(2)}
    assert stranded(before, after, [["worker"], ["gateway"]]) == []
    # the other order strands version 2 on the old workers
    assert stranded(before, after, [["gateway"], ["worker"]])


def test_raw_stack_file_mappings_give_jobs_and_waves():
    apps = {"gateway": {"jobs": {"emits": {Q: [2]}}}, "mcp": {"after": ["gateway"]}, "worker": {}}
    assert jobs_of(apps)["gateway"] == emits(2)
    assert waves_of(apps) == [["gateway", "worker"], ["mcp"]]
