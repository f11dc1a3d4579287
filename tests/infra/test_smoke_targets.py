"""The services stack tells the deploy's smoke checks what to reach: every exposed host and the WebSockets."""

from __future__ import annotations

import pytest

from tests.conftest import STACKS, services_run
from tests.settings.test_config import services_values


@pytest.mark.parametrize("stack", STACKS)
def test_smoke_targets_name_every_public_host_and_the_realtime_websocket(stack):
    apps = services_values(stack)["services:apps"]
    targets = services_run(stack).outputs["smoke_targets"]
    public = {
        name: spec["ingress"]["host"]
        for name, spec in apps.items()
        if "ingress" in spec and spec["ingress"].get("scheme", "internet-facing") == "internet-facing"
    }
    assert targets["https"] == {name: f"https://{host}" for name, host in public.items()}
    assert targets["websockets"] == {"realtime": f"wss://{apps['realtime']['ingress']['host']}/ws"}
