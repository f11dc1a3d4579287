"""The platform's cache users confine each service to the prefixes its services stack entry declares."""

from __future__ import annotations

import pytest

from components.apps.identity import workload_identities
from components.data.cache_acl import channel_patterns, key_patterns, may_run
from settings.config import platform_settings, services_settings
from tests.conftest import STACKS, stack_run
from tests.helpers import inputs, of_type

USER = "aws:elasticache/user:User"
FLUSH = ("@keyspace", "@write", "@slow", "@dangerous")  # Redis src/commands/flushall.json, flushdb.json


@pytest.mark.parametrize("stack", STACKS)
def test_each_cache_user_names_only_its_services_prefixes_and_cannot_flush(stack):
    services = services_settings(platform_settings(stack))
    assert services is not None
    apps = services.config.apps
    users = {
        inputs(u)["userName"]: inputs(u)["accessString"] for u in of_type(stack_run(stack).resources, USER)
    }
    expected = {i.name: i.uses.cache for i in workload_identities(apps) if i.uses.cache}
    assert expected, "the stack has services that use the cache"
    for identity, cache in expected.items():
        access = users[f"{stack}-{identity}"]
        assert key_patterns(access) == list(cache.prefixes), identity
        assert channel_patterns(access) == list(cache.channels), identity
        assert "~*" not in access.split()
        assert "&*" not in access.split()
        for command in ("flushall", "flushdb"):
            assert not may_run(access, command, FLUSH), (identity, command)
    # the switched-off default user stays switched off
    assert users["default"] == "off -@all"
