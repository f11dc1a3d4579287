"""The access strings of the cache's service users (pure): each user reaches only its own key prefixes.

ElastiCache user access strings are Redis ACL rules (Amazon ElastiCache User Guide, "Role-Based Access
Control (RBAC)": ``on``/``off``, key patterns ``~pattern``, pub/sub channel patterns ``&pattern``,
``+@category``/``-@category``, ``+command``/``-command``; no passwords and no ``reset`` in the string;
a forbidden or renamed command is refused). Patterns are Redis glob patterns, so a prefix is written
``~job:*`` and may not itself hold a glob character (``*?[]\\``), or it would widen what it names.

No application user may flush the cache: FLUSHALL and FLUSHDB belong to ``@dangerous`` (Redis
``src/commands/flushall.json``/``flushdb.json``: ACL categories ``KEYSPACE WRITE SLOW DANGEROUS``), which
every service user is denied, and both are denied by name as well, so a future change of the
categories cannot hand them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

GLOB = re.compile(r"[*?\[\]\\\s]")
DENIED_COMMANDS = ("flushall", "flushdb")
"""Denied to every application user by name, on top of ``-@dangerous`` (which holds them)."""
DENIED_CATEGORIES = ("@admin", "@dangerous")


def prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` cannot be a key or channel prefix, if it cannot."""
    if not prefix:
        return "an empty prefix would name every key (~*); name the service's own prefix, e.g. 'job:'"
    if GLOB.search(prefix):
        return "a prefix may not hold a glob character ('*', '?', '[', ']', '\\\\') or whitespace"
    return None


def access_string(prefixes: Iterable[str], channels: Iterable[str] = ()) -> str:
    """The access string of a service user: on, its key prefixes, its channel prefixes, every command but
    the administrative and dangerous ones (FLUSHALL and FLUSHDB named as well).

    >>> access_string(["job:"], ["presence:"])
    'on ~job:* &presence:* +@all -@admin -@dangerous -flushall -flushdb'
    """
    keys = [f"~{p}*" for p in prefixes]
    if not keys:
        raise ValueError("a service user needs at least one key prefix")
    for p in [*prefixes, *channels]:
        problem = prefix_problem(p)
        if problem:
            raise ValueError(f"{p!r}: {problem}")
    rules = ["on", *keys, *(f"&{c}*" for c in channels), "+@all"]
    rules += [f"-{c}" for c in DENIED_CATEGORIES] + [f"-{c}" for c in DENIED_COMMANDS]
    return " ".join(rules)


def overlap(a: str, b: str) -> str | None:
    """The shorter-named region two prefixes share (``job:`` and ``job:convert`` share ``job:convert*``),
    named by the longer prefix; ``None`` when no key matches both."""
    if a.startswith(b):
        return a
    if b.startswith(a):
        return b
    return None


def key_patterns(access: str) -> list[str]:
    """The key prefixes an access string grants (``~job:*`` → ``job:``), for checks and tests."""
    return [rule[1:-1] for rule in access.split() if rule.startswith("~") and rule.endswith("*")]


def channel_patterns(access: str) -> list[str]:
    """The channel prefixes an access string grants (``&presence:*`` → ``presence:``)."""
    return [rule[1:-1] for rule in access.split() if rule.startswith("&") and rule.endswith("*")]


def may_run(access: str, command: str, categories: Iterable[str]) -> bool:
    """Whether an access string lets a user run ``command`` (of ``categories``, e.g. ``@dangerous``), read
    left to right as Redis applies ACL rules: the last rule that names the command or one of its categories
    decides; nothing named means denied."""
    allowed = False
    names = {command.lower()} | {c.lower() for c in categories} | {"@all"}
    for rule in access.split():
        if rule[:1] in "+-" and rule[1:].lower() in names:
            allowed = rule[0] == "+"
    return allowed
