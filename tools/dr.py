"""``python -m tools dr --stack S [--json]``: what a stack's configuration gives when its region is lost.

Per stateful store: the recovery point and time objectives (RPO/RTO, in minutes) of the copies the stack
file configures, whether each figure is documented or an estimate, where every copy lives, and which
durable stores have no copy outside the primary region. The figures and their sources are in
``components/data/recovery.py``. A stack whose copies miss its ``platform:dr`` targets (and a prod stack
without copies) is a configuration error, exit 2, like every other command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.data.recovery import Report, report
from settings.config import Settings


def load(stack: str, root: Path | None = None) -> Report:
    """The report of the platform stack file ``stack`` of the repository ``root`` (a ConfigError if it
    is invalid, a FileNotFoundError if it is missing)."""
    from settings import config, stacks

    return of_settings(config.platform_settings(stack, root or stacks.ROOT))


def of_settings(settings: Settings) -> Report:
    cfg = settings.config
    return report(settings.environment, cfg.region, cfg.dr, cfg.postgres, cfg.buckets, cfg.atlas, cfg.redis)


def _minutes(value: int | None, basis: str) -> str:
    return "none" if value is None else f"{value} min ({basis})"


def as_text(document: dict[str, Any]) -> str:
    lines = [f"{document['stack']}: recovery objectives per store (from its best copy)"]
    for store in document["stores"]:
        lines.append(
            f"  {store['name']} [{store['kind']}]: RPO {_minutes(store['rpo_minutes'], store['rpo_basis'])},"
            f" RTO {_minutes(store['rto_minutes'], store['rto_basis'])}, {store['scope']}"
            + ("" if store["durable"] else " (not durable: not held to the targets)")
        )
        for copy in store["copies"]:
            kept = f", kept {copy['retention_days']} d" if copy["retention_days"] else ""
            lines.append(f"      {copy['region']}: {copy['what']}{kept}")
    missing = document["missing"]
    lines.append(f"  no copy outside the region: {', '.join(missing) if missing else 'none'}")
    return "\n".join(lines)
