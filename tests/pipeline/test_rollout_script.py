"""The promotion script against a fake kubectl: the plugin's patches and its reading of health."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "scripts" / "rollout.py"
spec = importlib.util.spec_from_file_location("rollout", SCRIPT)
assert spec is not None
assert spec.loader is not None
rollout = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rollout)


class FakeKubectl:
    """Answers `get` with the next of ``states`` (the last repeats) and records every patch."""

    def __init__(self, *states: dict[str, Any]) -> None:
        self.states = list(states)
        self.patches: list[list[str]] = []

    def __call__(self, args: list[str]) -> str:
        if args[0] == "get":
            state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
            return json.dumps(state)
        self.patches.append(args)
        return ""


def state(phase: str, generation: int = 3, observed: str = "3", **status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "generation": generation},
        "spec": status.pop("spec", {}),
        "status": {"phase": phase, "observedGeneration": observed, **status},
    }


PAUSED = state("Paused", message="BlueGreenPause", pauseConditions=[{"reason": "BlueGreenPause"}])


def test_promote_clears_the_pause_conditions_on_the_status_subresource():
    kubectl = FakeKubectl(PAUSED)
    assert rollout.main(["promote", "web"], run=kubectl) == 0
    (patch,) = kubectl.patches
    assert patch[:5] == ["patch", "rollouts.argoproj.io", "web", "-n", "product"]
    assert json.loads(patch[patch.index("-p") + 1]) == {"status": {"pauseConditions": None}}
    assert patch[-2:] == ["--subresource", "status"]


def test_promote_also_unpauses_a_manually_paused_spec():
    kubectl = FakeKubectl(state("Paused", spec={"paused": True}))
    assert rollout.main(["promote", "web"], run=kubectl) == 0
    (patch,) = kubectl.patches
    assert json.loads(patch[patch.index("-p") + 1]) == {"spec": {"paused": False}}
    assert "--subresource" not in patch


def test_promote_refuses_a_rollout_that_is_not_paused(capsys):
    assert rollout.main(["promote", "web"], run=FakeKubectl(state("Healthy"))) == 1
    assert "not paused" in capsys.readouterr().err


def test_abort_sets_status_abort():
    kubectl = FakeKubectl(state("Progressing"))
    assert rollout.main(["abort", "gateway"], run=kubectl) == 0
    (patch,) = kubectl.patches
    assert json.loads(patch[patch.index("-p") + 1]) == {"status": {"abort": True}}


def test_status_waits_through_an_unobserved_spec_and_unpausing_until_healthy():
    stale = state("Healthy", generation=4, observed="3")  # the old Healthy, before the controller saw v4
    unpausing = state("Paused", controllerPause=True, pauseConditions=[])
    kubectl = FakeKubectl(
        stale, unpausing, state("Progressing"), state("Healthy", generation=4, observed="4")
    )
    sleeps: list[float] = []
    healthy, message = rollout.wait(kubectl, "web", "product", 60, clock=lambda: 0.0, sleep=sleeps.append)
    assert healthy, message
    assert len(sleeps) == 3


def test_status_fails_on_degraded():
    kubectl = FakeKubectl(state("Degraded", message="RolloutAborted: metric error-rate failed"))
    healthy, message = rollout.wait(kubectl, "web", "product", 60, clock=lambda: 0.0, sleep=lambda _: None)
    assert not healthy
    assert "RolloutAborted" in message


def test_status_times_out_while_paused():
    ticks = iter(range(0, 1000, 100))
    healthy, message = rollout.wait(
        FakeKubectl(PAUSED), "web", "product", 250, clock=lambda: float(next(ticks)), sleep=lambda _: None
    )
    assert not healthy
    assert "did not become Healthy in 250 s" in message
    assert "Paused: BlueGreenPause" in message


@pytest.mark.parametrize(
    ("observed", "expected"), [("3", "Paused"), ("2", "Progressing"), ("", "Paused"), ("abc123", "Paused")]
)
def test_phase_counts_only_once_the_generation_is_observed(observed, expected):
    assert rollout.phase(state("Paused", observed=observed))[0] == expected
