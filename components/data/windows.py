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
    if not _DAILY.fullmatch(value):
        raise ValueError("must be a UTC window hh:mm-hh:mm such as 17:00-17:30")
    return value


def _weekly(value: str) -> str:
    if not _WEEKLY.fullmatch(value):
        raise ValueError("must be a UTC window ddd:hh:mm-ddd:hh:mm such as sun:18:00-sun:19:00")
    return value


DailyWindow = Annotated[str, AfterValidator(_daily)]
"""A daily UTC window ``hh:mm-hh:mm`` (backups, snapshots)."""

WeeklyWindow = Annotated[str, AfterValidator(_weekly)]
"""A weekly UTC window ``ddd:hh:mm-ddd:hh:mm`` (maintenance)."""


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60
RDS_MIN_WINDOW_MINUTES = 30
"""RDS refuses backup and maintenance windows shorter than 30 minutes (RDS API ``PreferredBackupWindow``)."""
ELASTICACHE_MIN_MAINTENANCE_MINUTES = 60
"""ElastiCache refuses a maintenance window shorter than 60 minutes (API ``PreferredMaintenanceWindow``)."""


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def daily_span(window: str) -> tuple[int, int]:
    """``(start, length)`` in minutes of a valid daily window; a window may wrap past midnight."""
    start, end = (_minutes(part) for part in window.split("-"))
    return start, (end - start) % (24 * 60)


def weekly_span(window: str) -> tuple[int, int]:
    """``(start, length)`` in minutes of the week (Monday 00:00 = 0) of a valid weekly window."""
    first, second = window.split("-")
    start, end = (_DAYS.index(p[:3]) * 24 * 60 + _minutes(p[4:]) for p in (first, second))
    return start, (end - start) % _WEEK


def window_problems(
    daily: str,
    weekly: str,
    *,
    daily_key: str,
    weekly_key: str,
    min_daily: int,
    min_weekly: int,
    disjoint: bool,
) -> list[tuple[str, str]]:
    """``(key, message)`` for windows too short for the service, or a daily window inside the weekly one."""
    problems = []
    d_start, d_len = daily_span(daily)
    w_start, w_len = weekly_span(weekly)
    if d_len < min_daily:
        problems.append((daily_key, f"must last at least {min_daily} minutes; got {d_len} ({daily!r})"))
    if w_len < min_weekly:
        problems.append((weekly_key, f"must last at least {min_weekly} minutes; got {w_len} ({weekly!r})"))
    if disjoint and d_len and w_len:
        weekly_minutes = {(w_start + i) % _WEEK for i in range(w_len)}
        clash = any(
            (day * 24 * 60 + d_start + i) % _WEEK in weekly_minutes for day in range(7) for i in range(d_len)
        )
        if clash:
            problems.append(
                (
                    daily_key,
                    f"{daily!r} overlaps the maintenance window {weekly!r}; AWS refuses overlapping windows",
                )
            )
    return problems
