"""The recording mock monitor answers every registration exactly as the SDK's own mock monitor would."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import rpc

from tools.preview import mocks, runner


@pytest.mark.parametrize(("project", "preview"), [("platform", False), ("services", True)])
def test_each_response_is_the_sdk_mock_monitors_own(monkeypatch, project, preview):
    # The recording monitor re-implements the SDK's ``RegisterResource`` (one deserialization, outputs
    # copied where the mocks pass them through): each response is compared with what the SDK's own
    # method answers to the same request. An update gives resources ids, ARNs and endpoints beside
    # their inputs (some fields copied, some serialized); a preview's outputs are its inputs (all
    # copied). The services run also runs the platform's preview it reads.
    different: list[str] = []
    copied = 0
    ours = mocks.RecordingMonitor.RegisterResource
    serialized = mocks.serialized_outputs

    def counted(request_object: Any, inputs: dict[str, Any], state: dict[str, Any]) -> Any:
        nonlocal copied
        copied += sum(1 for k, v in state.items() if k in inputs and v is inputs[k])
        return serialized(request_object, inputs, state)

    def compared(monitor: mocks.RecordingMonitor, request: Any) -> Any:
        response = ours(monitor, request)
        if response != sdk_mocks.MockMonitor.RegisterResource(monitor, request):
            different.append(request.name)
        return response

    monkeypatch.setattr(mocks, "serialized_outputs", counted)
    monkeypatch.setattr(mocks.RecordingMonitor, "RegisterResource", compared)
    result = runner.run_project(project, "prod", preview=preview)
    assert len(result.resources) > 50
    assert copied > len(result.resources)  # the copying path is what was compared
    assert different == []


def _serialized(properties: dict[str, Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(properties, {}))
    finally:
        loop.close()


def test_a_field_the_mocks_add_or_drop_is_serialized_or_left_out():
    request = _serialized({"name": "a", "tags": {"x": "1"}})
    inputs = rpc.deserialize_properties(request)
    state = {"name": inputs["name"], "arn": "arn:aws:mock", "gone": None}  # tags dropped, arn added
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the monitor serializes on its thread's loop (the SDK's _sync_await)
    try:
        outputs = mocks.serialized_outputs(request, inputs, state)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert rpc.deserialize_properties(outputs) == {"name": "a", "arn": "arn:aws:mock"}
    assert outputs == _serialized(state)
    assert mocks.serialized_outputs(request, inputs, dict(inputs)) is request  # an echo: nothing to build
