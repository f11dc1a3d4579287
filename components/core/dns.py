"""DNS names as Route 53 and ACM take them, checked label by label.

RFC 1035 section 2.3.4 (and Route 53's "DNS domain name format"): a label is 1-63 octets, a name at most
255 octets on the wire, which is 253 characters written without the trailing dot. Host names (RFC 1123)
are letters, digits and hyphens, a label neither starting nor ending with a hyphen. ACM takes a wildcard
only as the whole first label (``*.example.com``).
"""

from __future__ import annotations

import re

MAX_LABEL = 63
"""Characters in one label (RFC 1035 2.3.4)."""
MAX_NAME = 253
"""Characters in a whole name without its trailing dot (255 octets on the wire, RFC 1035 2.3.4)."""

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_TOP = re.compile(r"^[a-z]{2,63}$")


def dns_name_problem(name: str, *, wildcard: bool = False) -> str | None:
    """Why ``name`` is not a lower-case DNS name of at least two labels, or None.

    Args:
        name: the name, without a trailing dot.
        wildcard: whether ``*`` may be the whole first label (a certificate name).
    """
    if not name:
        return "must be a DNS name such as api.example.com; got an empty name"
    if len(name) > MAX_NAME:
        return f"a DNS name has at most {MAX_NAME} characters; this one has {len(name)}"
    labels = name.split(".")
    if wildcard and labels[0] == "*":
        labels = labels[1:]
    elif "*" in name:
        where = "only as the whole first label (*.example.com)" if wildcard else "not at all here"
        return f"a wildcard '*' is allowed {where}"
    if len(labels) < 2:
        return "must be a DNS name of at least two labels, such as api.example.com"
    for index, label in enumerate(labels):
        if len(label) > MAX_LABEL:
            return (
                f"label {index + 1} ({label[:12]}...) has {len(label)} characters; a DNS label has at most"
                f" {MAX_LABEL}"
            )
        if not _LABEL.fullmatch(label):
            what = "is empty (two dots in a row, or a dot at an end)" if not label else repr(label)
            return (
                f"label {index + 1} {what}: a label is lower-case letters, digits and '-',"
                " not starting or ending with '-'"
            )
    if not _TOP.fullmatch(labels[-1]):
        return f"the last label {labels[-1]!r} must be a top-level domain of letters (com, io, ...)"
    return None
