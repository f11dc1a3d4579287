"""The shared-cluster slot allocator: pure functions, no mocks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.data.slots import Pool, Slot, SlotError, Source, allocate, problems, release


def pool(slots: int = 2, clusters: tuple[str, ...] = ("shared-0",), spares: tuple[str, ...] = ()) -> Pool:
    return Pool(slots_per_cluster=slots, clusters=clusters, spares=spares)


def test_first_allocation_takes_slot_zero_of_the_first_cluster():
    _, allocation = allocate(pool(), "alice")
    assert allocation.slot == Slot("shared-0", 0)
    assert allocation.source == Source.FREE


def test_freed_slot_is_reused_before_a_free_one():
    p, _ = allocate(pool(slots=3), "alice")
    p, _ = allocate(p, "bob")
    p, freed = release(p, "alice")
    p, allocation = allocate(p, "carol")
    assert allocation.slot == freed == Slot("shared-0", 0)
    assert allocation.source == Source.FREED
    assert p.freed == ()


def test_freed_slots_are_reused_first_in_first_out():
    p = pool(slots=3)
    for env in ("a", "b", "c"):
        p, _ = allocate(p, env)
    p, _ = release(p, "c")
    p, _ = release(p, "a")
    p, first = allocate(p, "d")
    p, second = allocate(p, "e")
    assert (first.slot.index, second.slot.index) == (2, 0)


def test_spare_cluster_enters_service_only_when_every_slot_is_taken():
    p = pool(slots=1, clusters=("shared-0",), spares=("spare-0", "spare-1"))
    p, first = allocate(p, "a")
    p, second = allocate(p, "b")
    assert first.source == Source.FREE
    assert second.source == Source.SPARE
    assert second.slot == Slot("spare-0", 0)
    assert p.clusters == ("shared-0", "spare-0")
    assert p.spares == ("spare-1",)


def test_no_capacity_and_no_spare_is_an_error_that_says_what_to_do():
    p, _ = allocate(pool(slots=1), "a")
    with pytest.raises(SlotError, match=r"no free slot: all 1 slots of 1 cluster\(s\) are taken.*spares"):
        allocate(p, "b")


def test_an_environment_cannot_hold_two_slots():
    p, _ = allocate(pool(), "a")
    with pytest.raises(SlotError, match="'a' already has slot shared-0#0"):
        allocate(p, "a")


def test_releasing_an_unknown_environment_names_the_known_ones():
    p, _ = allocate(pool(), "a")
    with pytest.raises(SlotError, match=r"'zed' holds no slot \(environments: a\)"):
        release(p, "zed")


def test_problems_finds_shared_slots_unknown_clusters_and_bad_indexes():
    bad = Pool(
        slots_per_cluster=2,
        clusters=("shared-0",),
        spares=("shared-0",),
        environments=(("a", Slot("shared-0", 0)), ("b", Slot("shared-0", 0)), ("c", Slot("gone", 0))),
        freed=(Slot("shared-0", 5), Slot("shared-0", 0)),
    )
    found = problems(bad)
    assert "cluster(s) listed twice (in service and spares count together): shared-0" in found
    assert "environments 'a' and 'b' share slot shared-0#0" in found
    assert any("'c': cluster 'gone' is not in service" in p for p in found)
    assert "freed slot shared-0#5: slot index 5 is outside 0-1" in found
    assert "freed slot shared-0#0 is still held by 'a'" in found


# --- properties over random add/remove sequences -------------------------------------------------

operations = st.lists(
    st.tuples(st.sampled_from(["add", "remove"]), st.sampled_from([f"env{i}" for i in range(12)])),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(
    ops=operations,
    slots=st.integers(min_value=1, max_value=4),
    clusters=st.integers(min_value=1, max_value=3),
    spares=st.integers(min_value=0, max_value=3),
)
def test_allocator_properties_hold_for_any_sequence(ops, slots, clusters, spares):
    p = Pool(
        slots_per_cluster=slots,
        clusters=tuple(f"shared-{i}" for i in range(clusters)),
        spares=tuple(f"spare-{i}" for i in range(spares)),
    )
    for op, env in ops:
        before = p
        if op == "add":
            try:
                p, allocation = allocate(p, env)
            except SlotError:
                # Refused only for a duplicate, or when every slot is taken and no spare is left.
                assert before.slot_of(env) is not None or (
                    len(before.taken()) == before.capacity() and not before.spares and not before.freed
                )
                continue
            if before.freed:
                # Freed slots are reused first, oldest first.
                assert allocation.source == Source.FREED
                assert allocation.slot == before.freed[0]
            elif allocation.source == Source.SPARE:
                # A spare enters service only when every slot in service is taken.
                assert len(before.taken()) == before.capacity()
                assert allocation.slot == Slot(before.spares[0], 0)
            else:
                assert allocation.source == Source.FREE
                assert allocation.slot.cluster in before.clusters
        else:
            if before.slot_of(env) is None:
                with pytest.raises(SlotError):
                    release(p, env)
                continue
            p, slot = release(p, env)
            assert p.freed[-1] == slot
        # No two environments share a slot, and the record stays consistent.
        slots_held = [slot for _, slot in p.environments]
        assert len(slots_held) == len(set(slots_held))
        assert problems(p) == []
