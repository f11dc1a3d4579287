"""Backup and maintenance windows as AWS writes them, validated in the spec (pure)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_TIME = r"([01]\d|2[0-3]):[0-5]\d"
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)"
_DAILY = re.compile(rf"^{_TIME}-{_TIME}$")
_WEEKLY = re.compile(rf"^{_DAY}:{_TIME}-{_DAY}:{_TIME}$")


def _daily(value: str) -> str:
    if not _DAILY.match(value):
        raise ValueError("must be a UTC window hh:mm-hh:mm such as 17:00-17:30")
    return value


def _weekly(value: str) -> str:
    if not _WEEKLY.match(value):
        raise ValueError("must be a UTC window ddd:hh:mm-ddd:hh:mm such as sun:18:00-sun:19:00")
    return value


DailyWindow = Annotated[str, AfterValidator(_daily)]
"""A daily UTC window ``hh:mm-hh:mm`` (backups, snapshots)."""

WeeklyWindow = Annotated[str, AfterValidator(_weekly)]
"""A weekly UTC window ``ddd:hh:mm-ddd:hh:mm`` (maintenance)."""
