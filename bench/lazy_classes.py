"""Measure SDK proposal 1b (docs/PERFORMANCE.md): a provider SDK package that imports a class's module
when the program first asks for the class (PEP 562 ``__getattr__``), as the SDK's generator could emit it.

Every generated package ``__init__`` (``pulumi_aws.ec2``, ``pulumi_kubernetes.core.v1``, the root of
``pulumi_mongodbatlas``) imports all its class modules, ``from .vpc import *`` for each of them: a program
that uses a dozen of ``pulumi_aws.ec2``'s classes loads 183 modules. This runs a command with each such
``__init__`` compiled without those lines and with a ``__getattr__`` that imports the class's module on
first use (names from each module's ``__all__``). The modules every class shares (``_enums``,
``_inputs``, ``outputs``) stay eager, so this measures the class modules alone; ``--postponed`` adds
proposal 1 (``bench/postponed_annotations.py``). An experiment for the upstream proposal, used by
``bench/preview.py --proposals``: the offline preview itself never does this.

    venv/bin/python bench/lazy_classes.py CACHE [--postponed] -m tools preview --stack prod --json

``CACHE`` keeps the rewritten code, keyed by the ``__init__``'s path, size and mtime and the interpreter's
bytecode magic (a package's class modules are read once, to find their ``__all__``).
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import re
import runpy
import sys
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any


def _sibling(name: str) -> ModuleType:
    """``bench/<name>.py``, loaded without putting ``bench/`` on ``sys.path`` (the tests load this too)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


postponed_annotations = _sibling("postponed_annotations")  # proposal 1, and the cached loader

PACKAGES = postponed_annotations.PACKAGES
SHARED = frozenset({"_enums", "_inputs", "outputs"})
"""Modules every class of a package imports: they stay where the generator puts them."""
STAR = re.compile(r"^from \.(\w+) import \*\n", re.MULTILINE)
ALL = re.compile(r"^__all__ = (\[.*?\])", re.MULTILINE | re.DOTALL)
MARKER = "# Export this package's modules as members:"

LAZY = """
_LAZY_CLASSES = {names!r}


def __getattr__(name):
    module = _LAZY_CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    import importlib
    value = getattr(importlib.import_module(f"{{__name__}}.{{module}}"), name)
    globals()[name] = value
    return value
"""


def lazy_source(init: Path) -> str:
    """``init``'s source with each class module's star import replaced by a lazy ``__getattr__``."""
    text = init.read_text()
    names: dict[str, str] = {}

    def defer(match: re.Match[str]) -> str:
        module = match.group(1)
        path = init.parent / f"{module}.py"
        if module in SHARED or not path.is_file():
            return match.group(0)
        declared = ALL.search(path.read_text())
        if declared is None:
            return match.group(0)
        for name in ast.literal_eval(declared.group(1)):
            names[name] = module
        return ""

    text = STAR.sub(defer, text)
    return text + LAZY.format(names=names) if names else text


class LazyInitLoader(postponed_annotations.CachedLoader):
    """Compiles a package ``__init__`` as :func:`lazy_source` rewrites it."""

    TAG = "lazy"

    def compile_source(self, source: Path) -> CodeType:
        return compile(lazy_source(source), str(source), "exec", dont_inherit=True)


class LazyInitFinder:
    """Finds the provider SDKs' generated package ``__init__`` modules for :class:`LazyInitLoader`."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(PACKAGES):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        origin = spec.origin if spec is not None else None
        if spec is None or not origin or not origin.endswith("__init__.py"):
            return None
        with open(origin, encoding="utf-8") as init:
            if MARKER not in init.read(4096):
                return None
        spec.loader = LazyInitLoader(fullname, origin, self.cache)
        return spec


def install(cache: Path) -> None:
    sys.meta_path.insert(0, LazyInitFinder(cache))


def main() -> None:
    args = sys.argv[1:]
    postponed = "--postponed" in args[1:2]
    if postponed:
        args.pop(1)
    if len(args) < 3 or args[1] != "-m":
        sys.exit(f"usage: {sys.argv[0]} CACHE [--postponed] -m MODULE [ARG ...]")
    cache = Path(args[0])
    install(cache)
    if postponed:
        postponed_annotations.install(cache)
    module = args[2]
    sys.argv = [module, *args[3:]]
    sys.path[0] = str(Path.cwd())  # as `python -m` puts the working directory first (not bench/)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
