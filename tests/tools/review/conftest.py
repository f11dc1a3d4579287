"""Preview documents of the repository's stacks, both projects, shared by the review tests.

Built from the session's cached platform runs (``tests.conftest.stack_run``); a services run answers its
StackReference with the cached platform run's outputs, as ``runner.run_project`` does.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import STACKS, stack_run
from tests.conftest import services_run as shared_services_run
from tools.preview import render, runner


def _document(result: runner.PreviewResult) -> dict[str, Any]:
    document: dict[str, Any] = render.document(result.stack, result.resources, result.outputs)
    return document


def services_run(stack: str) -> runner.PreviewResult:
    return shared_services_run(stack, preview=True)  # the session's one run of (stack, preview, services)


@pytest.fixture(scope="session")
def documents() -> dict[str, dict[str, Any]]:
    """The platform project's ``preview --json`` document of each stack."""
    return {stack: _document(stack_run(stack, preview=True)) for stack in STACKS}


@pytest.fixture(scope="session")
def services_documents() -> dict[str, dict[str, Any]]:
    """The services project's ``preview --project services --json`` document of each stack."""
    return {stack: _document(services_run(stack)) for stack in STACKS}
