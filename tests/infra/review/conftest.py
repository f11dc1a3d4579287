"""Preview documents of the repository's stacks, shared by the review tests (built from the cached runs)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.preview import render
from tests.conftest import STACKS, stack_run


def document(stack: str) -> dict[str, Any]:
    """The ``preview --json`` document of a stack, from the session's cached whole-program run."""
    result = stack_run(stack, preview=True)
    return json.loads(render.as_json(result.stack, result.resources, result.outputs))  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def documents() -> dict[str, dict[str, Any]]:
    return {stack: document(stack) for stack in STACKS}
