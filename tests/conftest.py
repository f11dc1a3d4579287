"""Shared fixtures: a recording mock runtime with a fresh event loop per test, and whole-stack runs."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pytest

from infra import stacks
from infra.preview import mocks, runner


@pytest.fixture
def mock_runtime() -> Iterator[mocks.MockRuntime]:
    """A recording mock runtime in update mode (resources get ids and ARNs), on its own event loop.

    Use ``mock_runtime.run(lambda: Component(...))`` to build components and get what was registered.
    """
    runtime = mocks.install("platform", "test", preview=False)
    yield runtime
    runtime.close()


@pytest.fixture
def preview_runtime() -> Iterator[mocks.MockRuntime]:
    """Like ``mock_runtime`` but in preview mode: outputs a real preview would not know stay unknown."""
    runtime = mocks.install("platform", "test", preview=True)
    yield runtime
    runtime.close()


@cache
def stack_run(stack: str, preview: bool = False, project: str = "platform") -> runner.PreviewResult:
    """The whole program of ``project`` run for one of the repository's stacks (cached: stacks do not
    change in a run). The services project's run answers its StackReference with the platform's run."""
    return runner.run_project(project, stack, preview=preview)


def services_run(stack: str, preview: bool = False) -> runner.PreviewResult:
    """The services project's run of ``stack`` (cached)."""
    return stack_run(stack, preview, "services")


STACKS = stacks.stacks(stacks.Project.PLATFORM)
"""The repository's stacks, from the registry (a new environment is a stack file, not an edit here)."""
