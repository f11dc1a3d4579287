"""Values in the stack files that stand in for an organization's real ones, found before any resource.

The repository's stack files run offline as they are, so they carry values that cannot be real: the
Atlas organization id of zeros, the documentation AWS account ``123456789012`` (in role ARNs and image
registries), the documentation address ranges (RFC 5737: ``192.0.2.0/24``, ``198.51.100.0/24``,
``203.0.113.0/24``), the reserved domains (RFC 2606: ``example.com`` and the like) and the example
organization ``acme`` (the GitHub repository ``acme/platform`` the delivery roles would trust, the state
buckets ``acme-...``). A preview (or any offline run) warns once, naming every such key, and carries on; a
real ``pulumi up`` (of the platform, the services or the bootstrap) refuses with one error naming every
such key, before the first resource is registered.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

DOCUMENTATION_ACCOUNT = "123456789012"
DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
_RESERVED_DOMAIN = re.compile(
    r"(^|[.*])(example\.(com|net|org)|[a-z0-9-]+\.(example|invalid|test))\.?$", re.I
)
_ZEROS_ID = re.compile(r"^0{24}$")  # an Atlas organization or project id of zeros
EXAMPLE_ORGANIZATION = "acme"
_EXAMPLE_NAME = re.compile(rf"^{EXAMPLE_ORGANIZATION}(/[A-Za-z0-9._-]+|-[a-z0-9.-]+)$")
_ACCOUNT_IN_TEXT = re.compile(rf"(^|[^0-9]){DOCUMENTATION_ACCOUNT}([^0-9]|$)")
# An account id of one digit repeated (111111111111...): the stack files' stand-ins for each environment's
# account, alone (platform:accountId) or inside an ARN.
_REPEATED_ACCOUNT = re.compile(r"(^|[^0-9])(\d)\2{11}([^0-9]|$)")
_HOST_IN_TEXT = re.compile(r"^(\*\.)?[a-z0-9.-]+\.[a-z]+$", re.I)


@dataclass(frozen=True)
class Placeholder:
    """One stack-file value that stands in for a real one."""

    key: str
    """The full key, e.g. ``platform:cluster.access.adminRoleArns[0]``."""
    value: str
    why: str


def classify(value: str) -> str | None:
    """Why ``value`` is a placeholder, or ``None`` if it could be real."""
    text = value.strip()
    if _ZEROS_ID.match(text):
        return "an id of zeros"
    if _EXAMPLE_NAME.match(text):
        return f"a name of the example organization {EXAMPLE_ORGANIZATION!r}"
    if _ACCOUNT_IN_TEXT.search(text):
        return f"the documentation AWS account {DOCUMENTATION_ACCOUNT}"
    if _REPEATED_ACCOUNT.search(text):
        return "an AWS account id of one repeated digit"
    if "/" in text or _looks_like_address(text):
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            network = None
        if network is not None and any(
            network.version == doc.version and network.subnet_of(doc)  # type: ignore[arg-type]
            for doc in DOCUMENTATION_NETWORKS
        ):
            return "a documentation address range (RFC 5737)"
    if _HOST_IN_TEXT.match(text) and _RESERVED_DOMAIN.search(text):
        return "a reserved example domain (RFC 2606)"
    return None


def find(
    raw: Mapping[str, str], namespace: str, secret_keys: frozenset[str] = frozenset()
) -> list[Placeholder]:
    """Every placeholder among ``raw``'s ``<namespace>:*`` values (secret values are never looked at)."""
    found: list[Placeholder] = []
    for key in sorted(raw):
        if not key.startswith(f"{namespace}:") or key in secret_keys:
            continue
        for path, leaf in leaves(_decode(raw[key]), key):
            why = classify(leaf)
            if why is not None:
                found.append(Placeholder(path, leaf, why))
    return found


def message(found: list[Placeholder]) -> str:
    """One line naming every placeholder key."""
    keys = ", ".join(f"{p.key}={p.value!r} ({p.why})" for p in found)
    return f"{len(found)} placeholder value{'s' if len(found) != 1 else ''} to replace: {keys}"


def problems(found: list[Placeholder]) -> list[str]:
    """The refusal of a real deployment: one problem per placeholder key, each naming it."""
    return [
        f"{p.key}: {p.value!r} is a placeholder ({p.why}); replace it before a real `pulumi up`"
        " (previews only warn)"
        for p in found
    ]


def deploying() -> bool:
    """Whether this run changes real resources: not a preview, and not under the SDK's mock monitor
    (the offline preview and the tests, where nothing reaches a cloud)."""
    from pulumi.runtime.mocks import MockMonitor
    from pulumi.runtime.settings import get_monitor

    return not pulumi.runtime.is_dry_run() and not isinstance(get_monitor(), MockMonitor)


def _looks_like_address(text: str) -> bool:
    return bool(re.match(r"^[0-9a-f:.]+$", text, re.I)) and any(c in text for c in ".:")


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in ``value`` (mappings and lists, nested) with its dotted path (``a.b[0]``)."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from leaves(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value
