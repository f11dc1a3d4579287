"""Cache prefixes per service: overlaps are errors unless declared shared (pure)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.apps.cache_keys import CacheSharingSpec, CacheUse, sharing_problems
from components.apps.spec import UsesSpec


def uses(**prefixes: list[str]) -> dict[str, CacheUse]:
    return {name.replace("_", "-"): CacheUse(prefixes=tuple(p)) for name, p in prefixes.items()}


def test_overlapping_prefixes_of_two_services_are_a_problem_naming_both():
    problems = sharing_problems(uses(gateway=["job:"], worker_convert=["job:convert"]), CacheSharingSpec())
    assert len(problems) == 1
    key, message = problems[0]
    assert key == "apps.gateway.uses.cache.prefixes[0]"
    assert "'job:' overlaps worker-convert's prefix 'job:convert'" in message


def test_a_declared_shared_region_covering_both_is_allowed():
    sharing = CacheSharingSpec.model_validate({"shared": {"job:": ["gateway", "worker-convert"]}})
    assert sharing_problems(uses(gateway=["job:"], worker_convert=["job:convert"]), sharing) == []


def test_a_shared_region_must_name_both_services():
    sharing = CacheSharingSpec.model_validate({"shared": {"job:": ["gateway"]}})
    assert sharing_problems(uses(gateway=["job:"], worker_convert=["job:convert"]), sharing)


def test_a_shared_entry_naming_a_service_without_such_a_prefix_is_a_problem():
    sharing = CacheSharingSpec.model_validate({"shared": {"job:": ["gateway", "realtime"]}})
    problems = sharing_problems(uses(gateway=["job:"], realtime=["presence:"]), sharing)
    assert problems == [
        ("cache.shared.job:", "names 'realtime', which claims no cache prefix overlapping 'job:' (presence:)")
    ]


def test_cache_true_asks_for_prefixes_and_false_is_no_cache():
    assert UsesSpec.model_validate({"cache": False}).cache is None
    with pytest.raises(ValidationError, match="name the key prefixes"):
        UsesSpec.model_validate({"cache": True})
    with pytest.raises(ValidationError, match="glob"):
        UsesSpec.model_validate({"cache": {"prefixes": ["job:*"]}})
