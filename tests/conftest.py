"""Shared fixtures: a recording mock runtime with a fresh event loop per test, and whole-stack runs.

Whole-program runs are the suite's cost (a prod run is most of a second even with the offline runner's
speed-ups): each distinct (stack, mode, project) runs once per session and every test that only reads it
shares it, whether it asks through ``stack_run``, ``services_run`` or the command line (``shared_runs``).
"""

from __future__ import annotations

import collections
import fcntl
import gc
import itertools
import os
import pickle
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from settings import stacks
from tools.preview import mocks, runner

# The EKS support calendar is read on the run date (validation, cost): the suite runs on a fixed one, so
# it tests the same thing every day; tests of other days set it themselves.
os.environ.setdefault("PLATFORM_RUN_DATE", "2026-12-06")

# The suite is deterministic: Hypothesis draws the same examples on every run and every machine (seeded
# from each test's source: hypothesis.internal.reflection.function_digest), and keeps no example database, so a clean checkout in CI tests what the last run did.
# `HYPOTHESIS_PROFILE=explore make test` draws new random examples (and replays the failures it saved).
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore")  # Hypothesis's defaults: random, with its database
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


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


def stack_run(stack: str, preview: bool = False, project: str = "platform") -> runner.PreviewResult:
    """The whole program of ``project`` run for one of the repository's stacks (once per session: stacks
    do not change in a run). The services project's run answers its StackReference with the platform's
    run of the same stack and mode, the one the platform's tests read."""
    return _run(stack, bool(preview), str(stacks.Project(project)))


@cache
def _run(stack: str, preview: bool, project: str) -> runner.PreviewResult:
    # One cache key per distinct run, however the caller spelled the arguments.
    def run() -> runner.PreviewResult:
        platform = None
        if project == stacks.Project.SERVICES:
            platform = _run(stack, preview, str(stacks.Project.PLATFORM))
        return _RUN_PROJECT(project, stack, preview=preview, platform=platform)

    return _once_per_session(f"{project}.{stack}.{'preview' if preview else 'update'}", run)


_SHARED: Path | None = None
"""Where the workers of this session leave their runs (``None`` without pytest-xdist)."""


@pytest.fixture(scope="session", autouse=True)
def _shared_runs_directory(tmp_path_factory: pytest.TempPathFactory) -> None:
    # A worker's base temporary directory is <session>/popen-gwN; its parent is this session's, common
    # to the workers and removed by pytest's own rotation of old sessions.
    global _SHARED
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _SHARED = tmp_path_factory.getbasetemp().parent / "shared-runs"


def _once_per_session(name: str, run: Callable[[], runner.PreviewResult]) -> runner.PreviewResult:
    """``run()`` once for the whole test session, whichever worker asks first.

    Under pytest-xdist (``make test`` runs two workers) the workers share a directory for this session:
    the first to take ``<name>.lock`` runs the program and leaves the pickled result, the others wait for
    the lock and read it. Every caller, first or not, gets the result back from its pickle, so no test
    sees a different kind of object depending on which worker ran it. A run that raises leaves nothing:
    each worker then runs it, and raises, itself.
    """
    if _SHARED is None:  # one process: nothing to share with
        data = pickle.dumps(run(), pickle.HIGHEST_PROTOCOL)
    else:
        _SHARED.mkdir(exist_ok=True)
        stored = _SHARED / f"{name}.pickle"
        with (_SHARED / f"{name}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not stored.is_file():
                written = stored.with_suffix(f".{os.getpid()}.tmp")
                written.write_bytes(pickle.dumps(run(), pickle.HIGHEST_PROTOCOL))
                os.replace(written, stored)
            data = stored.read_bytes()
    result: runner.PreviewResult = pickle.loads(data)
    # The run lives until the session ends: out of the collector's generations, as the imports are
    # (pytest_collection_finish), full collections stop re-walking it (make test 47 s -> 44 s).
    gc.freeze()
    return result


_RUN_PROJECT = runner.run_project  # the real one, whatever a test patches


def services_run(stack: str, preview: bool = False) -> runner.PreviewResult:
    """The services project's run of ``stack`` (cached)."""
    return stack_run(stack, preview, "services")


_CACHES = itertools.count()


@pytest.fixture(autouse=True)
def _own_preview_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test's command-line runs keep platform outputs in a directory of their own
    (``INFRA_PREVIEW_CACHE``, created only if a run stores something), never in the repository's
    ``.cache/``: a test that patches the runner cannot leave an answer that another test reads, and a
    developer's cache cannot decide a test."""
    directory = tmp_path_factory.getbasetemp() / "preview-caches" / str(next(_CACHES))
    monkeypatch.setenv(runner.CACHE_ENV, str(directory))


@pytest.fixture
def shared_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's runs of this repository's stacks answered from the session's runs.

    ``python -m tools preview`` (``tools.cli.main``) calls ``runner.run_project`` with the repository's
    root, in preview mode; this hands it :func:`stack_run`'s result for the same (stack, mode, project).
    Any other root (a throw-away project in ``tmp_path``) runs for real. ``tests/tools/test_preview.py``
    shows that a real subprocess prints the same bytes.
    """

    def run_project(project: str, stack: str, *, preview: bool = True, root: Path = stacks.ROOT, **kw: Any):
        if Path(root).resolve() == stacks.ROOT and stack in stacks.stack_files(project):
            return stack_run(stack, preview, project)
        return _RUN_PROJECT(project, stack, preview=preview, root=root, **kw)

    monkeypatch.setattr(runner, "run_project", run_project)


STACKS = stacks.stacks(stacks.Project.PLATFORM)
"""The repository's stacks, from the registry (a new environment is a stack file, not an edit here)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The toolchain test first, then files with the most tests first (pytest-xdist's own reordering,
    which ``make test`` turns off with ``--no-loadscope-reorder`` to keep this one).

    On a clean checkout (every CI run) the toolchain test builds its virtualenv, ~30 s in one worker:
    started last, as xdist's reordering by test count put it, the other worker sat idle that long.
    """
    tests_in = collections.Counter(item.nodeid.split("::")[0] for item in items)

    def order(item: pytest.Item) -> tuple[bool, int, str]:
        file = item.nodeid.split("::")[0]
        return item.get_closest_marker("toolchain") is None, -tests_in[file], file

    items.sort(key=order)  # stable: a file's tests keep their order


def pytest_collection_finish(session: pytest.Session) -> None:
    # Everything imported by now (the SDKs' ~1,500 modules and their classes) lives until the end:
    # moved out of the collector's generations, full collections no longer re-walk it.
    gc.freeze()
