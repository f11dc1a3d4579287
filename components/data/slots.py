"""Shared-cluster slots for dev environments (pure, no Pulumi).

A dev environment is a database plus a database user on one *slot* of a shared Atlas cluster. Each
cluster in service offers ``slots_per_cluster`` slots; spare clusters stand by, already provisioned, and
enter service only when every slot of every cluster in service is taken. A new environment gets, in
this order (the background guide's allocation priority):

1. the slot freed longest ago (the reuse queue is first in, first out);
2. the lowest free slot of the first cluster in service that has one;
3. slot 0 of the first spare cluster, which thereby enters service.

The whole pool is recorded in the dev stack file, so an allocation is stable from run to run; these
functions compute the next pool from the previous one and never mutate their input.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class SlotError(ValueError):
    """An allocation or release that cannot be done, with a message a person can act on."""


@dataclass(frozen=True, order=True)
class Slot:
    """Slot ``index`` (0-based) of shared cluster ``cluster``."""

    cluster: str
    index: int

    def __str__(self) -> str:
        return f"{self.cluster}#{self.index}"


class Source(StrEnum):
    """Where an allocation came from."""

    FREED = "freed"  # reused a slot from the reuse queue
    FREE = "free"  # a never-used slot of a cluster in service
    SPARE = "spare"  # a spare cluster entered service


@dataclass(frozen=True)
class Pool:
    """Shared clusters, their slots and who holds them.

    Attributes:
        slots_per_cluster: environments one cluster carries.
        clusters: clusters in service, in allocation order.
        spares: provisioned spare clusters, in the order they enter service.
        environments: environment name -> slot, in the order they were added.
        freed: the reuse queue, oldest first.
    """

    slots_per_cluster: int
    clusters: tuple[str, ...] = ()
    spares: tuple[str, ...] = ()
    environments: tuple[tuple[str, Slot], ...] = ()
    freed: tuple[Slot, ...] = field(default=())

    def slot_of(self, env: str) -> Slot | None:
        return next((slot for name, slot in self.environments if name == env), None)

    def taken(self) -> set[Slot]:
        return {slot for _, slot in self.environments}

    def capacity(self) -> int:
        """Slots of the clusters in service."""
        return self.slots_per_cluster * len(self.clusters)


@dataclass(frozen=True)
class Allocation:
    env: str
    slot: Slot
    source: Source


def problems(pool: Pool) -> list[str]:
    """Why ``pool`` is not a consistent record (empty when it is)."""
    found: list[str] = []
    if pool.slots_per_cluster < 1:
        found.append(f"slotsPerCluster must be at least 1, got {pool.slots_per_cluster}")
    names = [*pool.clusters, *pool.spares]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        found.append(f"cluster(s) listed twice (in service and spares count together): {', '.join(twice)}")
    envs = [name for name, _ in pool.environments]
    dup_envs = sorted({n for n in envs if envs.count(n) > 1})
    if dup_envs:
        found.append(f"environment(s) recorded twice: {', '.join(dup_envs)}")
    seen: dict[Slot, str] = {}
    for name, slot in pool.environments:
        where = _slot_problem(pool, slot)
        if where:
            found.append(f"environment {name!r}: {where}")
        if slot in seen:
            found.append(f"environments {seen[slot]!r} and {name!r} share slot {slot}")
        seen.setdefault(slot, name)
    for slot in pool.freed:
        where = _slot_problem(pool, slot)
        if where:
            found.append(f"freed slot {slot}: {where}")
        if slot in seen:
            found.append(f"freed slot {slot} is still held by {seen[slot]!r}")
    if len(set(pool.freed)) != len(pool.freed):
        found.append("a slot is queued for reuse twice")
    return found


def _slot_problem(pool: Pool, slot: Slot) -> str | None:
    if slot.cluster not in pool.clusters:
        return f"cluster {slot.cluster!r} is not in service (clusters: {', '.join(pool.clusters) or 'none'})"
    if not 0 <= slot.index < pool.slots_per_cluster:
        return f"slot index {slot.index} is outside 0-{pool.slots_per_cluster - 1}"
    return None


def allocate(pool: Pool, env: str) -> tuple[Pool, Allocation]:
    """Give ``env`` a slot: a freed one first (FIFO), then a free one, then a spare cluster's first.

    Raises:
        SlotError: ``env`` already has a slot, or no slot and no spare cluster is left.
    """
    held = pool.slot_of(env)
    if held is not None:
        raise SlotError(f"environment {env!r} already has slot {held}")
    if pool.freed:
        slot, source = pool.freed[0], Source.FREED
        pool = replace(pool, freed=pool.freed[1:])
    elif (free := _first_free(pool)) is not None:
        slot, source = free, Source.FREE
    elif pool.spares:
        spare = pool.spares[0]
        slot, source = Slot(spare, 0), Source.SPARE
        pool = replace(pool, clusters=(*pool.clusters, spare), spares=pool.spares[1:])
    else:
        raise SlotError(
            f"no free slot: all {pool.capacity()} slots of {len(pool.clusters)} cluster(s) are taken and no"
            " spare cluster is left; add one to platform:atlas.shared.spares"
        )
    pool = replace(pool, environments=(*pool.environments, (env, slot)))
    return pool, Allocation(env, slot, source)


def _first_free(pool: Pool) -> Slot | None:
    unavailable = pool.taken() | set(pool.freed)
    for cluster in pool.clusters:
        for index in range(pool.slots_per_cluster):
            slot = Slot(cluster, index)
            if slot not in unavailable:
                return slot
    return None


def release(pool: Pool, env: str) -> tuple[Pool, Slot]:
    """Remove ``env`` and queue its slot for reuse (at the back: first freed, first reused).

    Raises:
        SlotError: ``env`` holds no slot.
    """
    slot = pool.slot_of(env)
    if slot is None:
        known = ", ".join(name for name, _ in pool.environments) or "none"
        raise SlotError(f"environment {env!r} holds no slot (environments: {known})")
    environments = tuple((name, s) for name, s in pool.environments if name != env)
    return replace(pool, environments=environments, freed=(*pool.freed, slot)), slot
