"""Which cache keys each service may touch (``uses.cache``), and the checks across services (pure).

Every service that uses the cache declares its key prefixes (and pub/sub channel prefixes); its
ElastiCache user's access string names exactly those (:mod:`components.data.cache_acl`). Two services
whose prefixes overlap (``job:`` and ``job:convert``) would read and write each other's keys: a config
error unless ``services:cache.shared`` declares the region shared by both, as a queue is between the
service that enqueues and the worker that consumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from components.core.model import Spec
from components.data.cache_acl import overlap, prefix_problem

Problem = tuple[str, str]


def _prefix(value: str) -> str:
    problem = prefix_problem(value)
    if problem:
        raise ValueError(problem)
    return value


KeyPrefix = Annotated[str, AfterValidator(_prefix)]


class CacheUse(Spec):
    """What a service may touch in the cache, as its own IAM-authenticated ElastiCache user.

    Attributes:
        prefixes: the key prefixes the service reads and writes (``job:convert``, ``presence:``); its user
            may touch only keys starting with one of them (required, at least one).
        channels: the pub/sub channel prefixes it publishes or subscribes to. Defaults to none.
    """

    prefixes: tuple[KeyPrefix, ...] = Field(min_length=1)
    channels: tuple[KeyPrefix, ...] = ()

    @field_validator("prefixes", "channels")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted({p for p in value if value.count(p) > 1})
        if twice:
            raise ValueError(f"listed twice: {', '.join(twice)}")
        return value


def cache_use(value: Any) -> Any:
    """``cache: false`` is no cache; ``cache: true`` (every key, as before) is refused: name the prefixes."""
    if value is False:
        return None
    if value is True:
        raise ValueError(
            "name the key prefixes the service uses, e.g. cache: {prefixes: ['job:convert']}: its cache user"
            " may touch only those keys"
        )
    return value


class CacheSharingSpec(Spec):
    """Key regions more than one service may touch (``services:cache``).

    Attributes:
        shared: a prefix → the services that share the keys under it (a queue: the service that enqueues
            and the worker that consumes). Every pair of overlapping prefixes of two services must lie
            under a shared prefix that names both. Defaults to none.
    """

    shared: dict[KeyPrefix, tuple[str, ...]] = Field(default_factory=dict)


def sharing_problems(
    uses: Mapping[str, CacheUse], sharing: CacheSharingSpec, failed: frozenset[str] = frozenset()
) -> list[Problem]:
    """Overlapping prefixes of two services not declared shared, and shared entries naming a service that
    does not claim an overlapping prefix; keys relative to ``services:``."""
    problems: list[Problem] = []
    names = sorted(uses)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            for ia, pa in enumerate(uses[a].prefixes):
                for pb in uses[b].prefixes:
                    region = overlap(pa, pb)
                    if region is None or _declared(sharing, a, b, region):
                        continue
                    problems.append(
                        (
                            f"apps.{a}.uses.cache.prefixes[{ia}]",
                            f"{pa!r} overlaps {b}'s prefix {pb!r} (both reach keys '{region}*'): each service's"
                            " cache user must own its keys; give one of them another prefix, or declare the"
                            f" region shared by both under services:cache.shared (e.g. {region!r}: [{a}, {b}])",
                        )
                    )
    for prefix, members in sorted(sharing.shared.items()):
        for member in members:
            if member in failed:  # its own problems are reported; what it claims is unknown
                continue
            claimed = uses.get(member)
            if claimed is None or not any(overlap(prefix, p) for p in claimed.prefixes):
                problems.append(
                    (
                        f"cache.shared.{prefix}",
                        f"names {member!r}, which claims no cache prefix overlapping {prefix!r}"
                        f" ({', '.join(claimed.prefixes) if claimed else 'it does not use the cache'})",
                    )
                )
    return problems


def _declared(sharing: CacheSharingSpec, a: str, b: str, region: str) -> bool:
    return any(
        region.startswith(prefix) and a in members and b in members
        for prefix, members in sharing.shared.items()
    )


def covered(key: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``key`` lies under one of ``prefixes``."""
    return any(key.startswith(p) for p in prefixes)
