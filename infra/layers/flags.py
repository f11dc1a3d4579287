"""Feature flags: the environment's AWS AppConfig store (``components/apps/flag_store.py``).

Created when the services stack file of the same name declares ``services:flags``; the services stack
deploys the values into it. Its monitor watches the load balancer's 5xx alarm where observability has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from components.apps.flag_store import FlagStore, FlagStoreArgs
from infra.layers.foundation import Foundation
from infra.layers.observability import Observability
from settings.config import ServicesSettings


@dataclass(frozen=True)
class Flags:
    store: FlagStore | None
    outputs: dict[str, Any] = field(default_factory=dict)


def build(base: Foundation, signals: Observability | None, services: ServicesSettings | None) -> Flags:
    if services is None or not services.config.flags:
        return Flags(store=None)
    store = FlagStore(
        f"{base.env}-flag-store",
        FlagStoreArgs(
            base.context,
            base.env,
            rollback_alarm_arn=signals.flags_rollback_alarm_arn if signals is not None else None,
        ),
        base.on_aws,
    )
    return Flags(
        store=store,
        outputs={
            "flags_application_id": store.application_id,
            "flags_environment_id": store.environment_id,
            "flags_holds_environment_id": store.holds_environment_id,
            "flags_profile_id": store.profile_id,
            "flags_holds_profile_id": store.holds_profile_id,
            "flags_strategy_id": store.strategy_id,
        },
    )
