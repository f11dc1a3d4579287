"""Measure SDK proposal 1 (docs/PERFORMANCE.md): the provider SDKs' shared type modules compiled with
postponed evaluation of annotations (PEP 563), as the SDK's generator could emit them.

Most of a preview's SDK import time is ``typing`` evaluating the annotations of the generated
``_inputs.py`` and ``outputs.py`` modules (thousands of ``*Args``/``*ArgsDict`` classes per family).
This runs a command with those modules, and only those, compiled as if they began with
``from __future__ import annotations``; everything else is imported as shipped. An experiment for the
upstream proposal, used by ``bench/preview.py --proposals``: the offline preview itself never does this.

    venv/bin/python bench/postponed_annotations.py CACHE -m tools preview --stack prod --json

``CACHE`` keeps the compiled code (keyed by the source's path, size and mtime and the interpreter's
bytecode magic), as ``__pycache__`` does for the shipped modules: the first run compiles, later runs load.
"""

from __future__ import annotations
import __future__

import hashlib
import importlib.machinery
import importlib.util
import marshal
import runpy
import sys
from pathlib import Path
from types import CodeType
from typing import Any

PACKAGES = ("pulumi_aws", "pulumi_kubernetes", "pulumi_mongodbatlas", "pulumi_random", "pulumi_tls")
MODULES = ("_inputs", "outputs")


class CachedLoader(importlib.machinery.SourceFileLoader):
    """A source loader that compiles with :meth:`compile_source`, caching the code in ``cache`` keyed by
    the source's path, size and mtime, the interpreter's bytecode magic and the subclass's ``TAG``."""

    TAG = ""

    def __init__(self, fullname: str, path: str, cache: Path) -> None:
        super().__init__(fullname, path)
        self.cache = cache

    def compile_source(self, source: Path) -> CodeType:
        raise NotImplementedError

    def get_code(self, fullname: str) -> CodeType:
        source = Path(self.get_filename(fullname))
        stat = source.stat()
        key = f"{self.TAG}:{source}:{stat.st_size}:{stat.st_mtime_ns}:{importlib.util.MAGIC_NUMBER.hex()}"
        cached = self.cache / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.code"
        if cached.is_file():
            code: CodeType = marshal.loads(cached.read_bytes())
            return code
        code = self.compile_source(source)
        self.cache.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(marshal.dumps(code))
        return code


class PostponedLoader(CachedLoader):
    """Compiles with postponed annotations."""

    TAG = "postponed"

    def compile_source(self, source: Path) -> CodeType:
        flags = __future__.annotations.compiler_flag
        return compile(source.read_bytes(), str(source), "exec", flags=flags, dont_inherit=True)


class PostponedFinder:
    """Finds ``<package>...._inputs`` and ``.outputs`` of the provider SDKs for :class:`PostponedLoader`."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(PACKAGES) or fullname.rpartition(".")[2] not in MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            spec.loader = PostponedLoader(fullname, spec.origin, self.cache)
        return spec


def install(cache: Path) -> None:
    sys.meta_path.insert(0, PostponedFinder(cache))


def main() -> None:
    if len(sys.argv) < 4 or sys.argv[2] != "-m":
        sys.exit(f"usage: {sys.argv[0]} CACHE -m MODULE [ARG ...]")
    install(Path(sys.argv[1]))
    module = sys.argv[3]
    sys.argv = [module, *sys.argv[4:]]
    sys.path.insert(0, str(Path.cwd()))  # as `python -m` puts the working directory first
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
