"""The layers of docs/ARCHITECTURE.md, as import-linter contracts (pyproject.toml, [tool.importlinter])."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_every_import_contract_is_kept() -> None:
    done = _lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
    assert "5 kept" in done.stdout, done.stdout  # every contract of pyproject.toml was checked


def test_a_circle_and_an_upward_import_are_caught(tmp_path: Path) -> None:
    """Given a copy of the settings whose bottom module imports the top one, when the contracts of
    pyproject.toml are checked, then both the circle and the layer are reported, naming both modules."""
    for package in ("settings", "components"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    stackfile = tmp_path / "settings" / "stackfile.py"
    stackfile.write_text(stackfile.read_text() + "\nfrom settings import config  # noqa: E402\n")
    (tmp_path / "contracts.toml").write_text(
        "[tool.importlinter]\n"
        'root_packages = ["settings", "components"]\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "settings layers"\n'
        'type = "layers"\n'
        'containers = ["settings"]\n' + _settings_layers() + "[[tool.importlinter.contracts]]\n"
        'name = "no circles"\n'
        'type = "acyclic_siblings"\n'
        'ancestors = ["settings"]\n'
    )
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = _lint_imports("--config", str(tmp_path / "contracts.toml"), cwd=tmp_path, env=env)
    assert done.returncode != 0, done.stdout
    assert "settings layers BROKEN" in done.stdout
    assert "no circles BROKEN" in done.stdout
    assert "settings.stackfile" in done.stdout
    assert "settings.config" in done.stdout


def _settings_layers() -> str:
    """The ``layers`` line of the settings contract, as pyproject.toml states it (one source of truth)."""
    text = (ROOT / "pyproject.toml").read_text()
    block = text[text.index('containers = ["settings"]') :]
    return block[block.index("layers") : block.index("\n", block.index("layers")) + 1]
