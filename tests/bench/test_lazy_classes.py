"""The SDK proposal 1b experiment imports a package's class modules on first use, and nothing else
changes: the shared type modules stay eager, a class is the shipped module's own, an unknown name fails."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench import scripts

PROBE = """
import json, sys
import pulumi_aws.budgets as budgets
loaded = lambda: sorted(m.rpartition(".")[2] for m in sys.modules if m.startswith("pulumi_aws.budgets."))
budgets.outputs  # runs the package's __init__ (pulumi_aws loads its sub-packages lazily)
before = loaded()
budget = budgets.Budget
try:
    budgets.NoSuchClass
    missing = ""
except AttributeError as exc:
    missing = str(exc)
print(json.dumps({
    "before": before,
    "after": loaded(),
    "same": budget is sys.modules["pulumi_aws.budgets.budget"].Budget,
    "missing": missing,
}))
"""


def _probe(cache: Path, tmp_path: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads(scripts.run_probe("lazy_classes", cache, PROBE, tmp_path))
    return result


def test_a_class_module_loads_on_first_use_and_its_class_is_the_shipped_one(tmp_path):
    cache = tmp_path / "cache"
    seen = _probe(cache, tmp_path)
    assert seen["before"] == ["_inputs", "outputs"]  # shared by every class: eager (budgets has no _enums)
    assert "budget" in seen["after"]  # the one class asked for, and its own module only
    assert "budget_action" not in seen["after"]
    assert seen["same"] is True
    assert seen["missing"] == "module 'pulumi_aws.budgets' has no attribute 'NoSuchClass'"
    compiled = {p: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert compiled  # the rewritten __init__ modules
    assert _probe(cache, tmp_path) == seen
    assert {p: p.stat().st_mtime_ns for p in cache.iterdir()} == compiled  # loaded, not compiled again


def test_only_class_modules_star_imports_are_deferred(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "_inputs.py").write_text("__all__ = ['ThingArgs']\n")
    (package / "thing.py").write_text("import typing\n__all__ = ['Thing',\n    'ThingArgs2']\n")
    init = package / "__init__.py"
    init.write_text(
        "import typing\n# Export this package's modules as members:\n"
        "from .thing import *\nfrom ._inputs import *\nfrom . import outputs\n"
    )
    source = scripts.load("lazy_classes").lazy_source(init)
    assert "from .thing import *" not in source
    assert "from ._inputs import *" in source
    assert "from . import outputs" in source
    namespace: dict[str, object] = {"__name__": "pkg"}
    exec(
        compile(
            source.replace("from ._inputs import *\n", "").replace("from . import outputs\n", ""), "x", "exec"
        ),
        namespace,
    )
    assert namespace["_LAZY_CLASSES"] == {"Thing": "thing", "ThingArgs2": "thing"}
