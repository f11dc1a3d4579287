"""The recording mock monitor answers every registration exactly as the SDK's own mock monitor would."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import rpc

from infra.preview import mocks, runner


@pytest.mark.parametrize(("project", "preview"), [("platform", False), ("services", True)])
def test_each_response_carries_the_sdks_own_serialization_of_the_mocks_state(monkeypatch, project, preview):
    # An update gives resources ids, ARNs and endpoints beside their inputs (some fields copied from the
    # request, some serialized); a preview's outputs are its inputs (all copied). The services run
    # also runs the platform's preview it reads.
    answers: list[tuple[str, bool]] = []
    copied = 0
    ours = mocks.serialized_outputs

    def compared(request_object: Any, inputs: dict[str, Any], state: dict[str, Any]) -> Any:
        nonlocal copied
        outputs = ours(request_object, inputs, state)
        sdks = sdk_mocks._sync_await(rpc.serialize_properties(state, {}))
        answers.append((str(sorted(state)), outputs == sdks))
        copied += sum(1 for k, v in state.items() if k in inputs and v is inputs[k])
        return outputs

    monkeypatch.setattr(mocks, "serialized_outputs", compared)
    result = runner.run_project(project, "prod", preview=preview)
    assert len(answers) >= len(result.resources) > 50
    assert copied > len(answers)  # the copying path is what was compared
    assert [fields for fields, same in answers if not same] == []


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
