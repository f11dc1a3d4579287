"""Container image references and the tag each tier accepts (pure; no Pulumi).

A reference is ``<repository>:<tag>`` optionally pinned with ``@sha256:<64 hex>``. The tier rules are
the release pipeline's contract: dev ships builds (``dev-YYMMDDHHmm`` or ``vX.Y.Z-dev.N``), staging ships
release candidates (``rc-YYMMDDHHmm`` or ``vX.Y.Z-rc.N``) and prod ships releases only (``vX.Y.Z``), each
pinned by digest (``vX.Y.Z@sha256:<64 hex>``): a tag can be pushed again, a digest names the bytes.
``latest`` and untagged references are never accepted: they make a deploy unrepeatable and a rollback
impossible to name.

Every tier also accepts the build tag of the deployment guide (002 §4, ``<major.minor.patch>-<gitShortSha>``,
what ``.github/workflows/build-and-sign.yml`` pushes), pinned by digest: the image built once and promoted
by digest from dev to prod (docs/IMAGES.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from components.core.tier import Tier

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_REPOSITORY = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_NUM = r"(0|[1-9][0-9]*)"
_SEMVER = rf"v{_NUM}\.{_NUM}\.{_NUM}"
_STAMP = r"[0-9]{10}"

# What each tier accepts, as a readable description and the patterns behind it.
TAG_RULES: dict[Tier, tuple[str, tuple[re.Pattern[str], ...]]] = {
    Tier.DEV: (
        "dev-YYMMDDHHmm or vX.Y.Z-dev.N",
        (re.compile(rf"^dev-(?P<stamp>{_STAMP})$"), re.compile(rf"^{_SEMVER}-dev\.{_NUM}$")),
    ),
    Tier.STAGING: (
        "rc-YYMMDDHHmm or vX.Y.Z-rc.N",
        (re.compile(rf"^rc-(?P<stamp>{_STAMP})$"), re.compile(rf"^{_SEMVER}-rc\.{_NUM}$")),
    ),
    Tier.PROD: ("vX.Y.Z", (re.compile(rf"^{_SEMVER}$"),)),
}

BUILD_TAG = re.compile(rf"^{_NUM}\.{_NUM}\.{_NUM}-[0-9a-f]{{7,40}}$")
"""The build tag (002 §4): ``1.4.2-ab12cd3``; accepted in every tier, always with its digest."""
BUILD_TAG_RULE = "a build X.Y.Z-<git sha>@sha256:<64 hex>"

DIGEST_REQUIRED = frozenset({Tier.PROD})
"""Tiers whose images must carry ``@sha256:<64 hex>`` (a mutable tag alone is refused)."""


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference."""

    repository: str
    tag: str
    digest: str | None = None

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}" + (f"@{self.digest}" if self.digest else "")


def parse_image(reference: str) -> ImageRef:
    """Split ``reference`` into repository, tag and digest.

    Raises:
        ValueError: untagged, ``latest``, or malformed; the message says what a valid reference is.
    """
    rest, _, digest = reference.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        raise ValueError("digest must be sha256:<64 lower-case hex characters>")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon <= slash:
        raise ValueError("must be tagged (<repository>:<tag>); an untagged image is not repeatable")
    repository, tag = rest[:colon], rest[colon + 1 :]
    if not repository or not _REPOSITORY.fullmatch(repository):
        raise ValueError("repository must be lower-case letters, digits, '.', '_', '-' and '/' segments")
    if tag.lower() == "latest":
        raise ValueError("'latest' is never deployed: name an immutable release tag")
    if not _TAG.fullmatch(tag):
        raise ValueError("tag must be 1-128 letters, digits, '_', '.', '-' not starting with '.' or '-'")
    return ImageRef(repository, tag, digest or None)


def tag_problem(reference: str, tier: Tier) -> str | None:
    """Why ``reference`` may not ship to ``tier`` (``None`` when it may)."""
    try:
        image = parse_image(reference)
    except ValueError as exc:
        return str(exc)
    allowed, patterns = TAG_RULES[tier]
    if BUILD_TAG.fullmatch(image.tag):
        if image.digest is None:
            return f"a build tag is promoted by digest: {image}@sha256:<64 hex>"
        return None
    pinned = tier in DIGEST_REQUIRED
    suffix = "@sha256:<64 hex>" if pinned else " (optionally @sha256:<64 hex>)"
    for pattern in patterns:
        match = pattern.fullmatch(image.tag)
        if match:
            stamp = match.groupdict().get("stamp")
            if stamp and not _valid_stamp(stamp):
                return f"tag {image.tag!r} carries an impossible date-time; {tier.value} accepts {allowed}"
            if pinned and image.digest is None:
                return f"{tier.value} images must be pinned by digest: {image}@sha256:<64 hex>"
            return None
    return f"{tier.value} accepts only {allowed}{suffix}, or {BUILD_TAG_RULE} (002 §4)"


def _valid_stamp(stamp: str) -> bool:
    try:
        datetime.strptime(stamp, "%y%m%d%H%M")
    except ValueError:
        return False
    return True
