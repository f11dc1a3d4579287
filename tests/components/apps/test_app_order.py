"""Rollout waves from ``after`` (pure, hypothesis over random dependency graphs)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.apps.spec import AppSpec, rollout_waves

IMAGE = "registry.example.com/product/app:v1.0.0"


@st.composite
def graphs(draw) -> dict[str, AppSpec]:
    """A random acyclic graph: service i may only wait for services before it."""
    n = draw(st.integers(1, 12))
    names = [f"svc-{i}" for i in range(n)]
    services = {}
    for i, name in enumerate(names):
        after = draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else []
        services[name] = AppSpec(image=IMAGE, after=tuple(after))
    return services


@given(graphs())
def test_every_service_rolls_out_once_after_everything_it_waits_for(services):
    waves = rollout_waves(services)
    position = {name: i for i, wave in enumerate(waves) for name in wave}
    assert sorted(position) == sorted(services)
    assert sum(len(w) for w in waves) == len(services)
    for name, spec in services.items():
        assert all(position[before] < position[name] for before in spec.after)


@given(graphs())
def test_each_wave_is_as_early_as_possible(services):
    waves = rollout_waves(services)
    position = {name: i for i, wave in enumerate(waves) for name in wave}
    for name, spec in services.items():
        assert position[name] == (max((position[a] for a in spec.after), default=-1) + 1)


@given(graphs())
def test_a_back_edge_is_reported_as_a_cycle(services):
    names = list(services)
    if len(names) < 2:
        return
    first, last = names[0], names[-1]
    chained = {
        n: s.model_copy(update={"after": (names[i - 1],)} if i else {})
        for i, (n, s) in enumerate(services.items())
    }
    chained[first] = chained[first].model_copy(update={"after": (last,)})
    with pytest.raises(ValueError, match="cycle"):
        rollout_waves(chained)
