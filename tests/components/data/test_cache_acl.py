"""The cache users' access strings: only their own prefixes, never a flush (pure)."""

from __future__ import annotations

import pytest

from components.data.cache_acl import (
    access_string,
    channel_patterns,
    key_patterns,
    may_run,
    overlap,
    prefix_problem,
)

# Redis src/commands/flushall.json and flushdb.json: "acl_categories": ["KEYSPACE", "WRITE", "SLOW", "DANGEROUS"]
FLUSH_CATEGORIES = ("@keyspace", "@write", "@slow", "@dangerous")


def test_access_string_names_only_the_prefixes_and_channels_given():
    access = access_string(["job:", "session:"], ["presence:"])
    assert access == "on ~job:* ~session:* &presence:* +@all -@admin -@dangerous -flushall -flushdb"
    assert key_patterns(access) == ["job:", "session:"]
    assert channel_patterns(access) == ["presence:"]


@pytest.mark.parametrize("command", ["flushall", "FLUSHDB"])
def test_no_service_user_may_flush(command):
    assert not may_run(access_string(["job:"]), command, FLUSH_CATEGORIES)


def test_a_service_user_may_run_ordinary_commands():
    assert may_run(access_string(["job:"]), "lpush", ("@write", "@list", "@fast"))


@pytest.mark.parametrize(("prefix", "fragment"), [("", "empty"), ("job:*", "glob"), ("a b", "glob")])
def test_empty_or_glob_prefixes_are_refused(prefix, fragment):
    assert fragment in (prefix_problem(prefix) or "")
    with pytest.raises(ValueError, match=r"prefix|empty"):
        access_string([prefix] if prefix else [])


def test_overlap_is_the_longer_prefix_or_none():
    assert overlap("job:", "job:convert") == "job:convert"
    assert overlap("job:convert", "job:") == "job:convert"
    assert overlap("job:convert", "job:export") is None
