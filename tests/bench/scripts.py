"""The bench scripts, as the tests reach them: loaded as modules, or run as their command lines are."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from settings import stacks

BENCH = stacks.ROOT / "bench"


def load(name: str) -> ModuleType:
    """``bench/<name>.py`` as a module (the folder is not a package: the scripts run as files)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_probe(script: str, cache: Path, probe: str, directory: Path, *options: str) -> str:
    """``python bench/<script>.py CACHE [OPTION ...] -m probe`` in ``directory``, with ``probe`` as
    ``probe.py`` there: the probe's stdout."""
    (directory / "probe.py").write_text(probe)
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{script}.py"), str(cache), *options, "-m", "probe"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout
