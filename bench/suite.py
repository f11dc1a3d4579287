"""``make test`` on a clean checkout, then again: what every CI run takes, and a developer's next run.

CI runs the suite on a clean checkout of main (``.ci/run``), and so does a newcomer's first ``make test``:
no ``./venv``, no ``.cache/toolchain/`` (the virtualenv ``tests/infra/test_toolchain.py`` builds as Pulumi's
pip toolchain does), no bytecode caches. This clones the repository's HEAD into a temporary directory,
runs ``make test`` there twice and prints pytest's own time and the whole command's wall time for each.
The first run's wall time includes ``make`` creating ``./venv`` (from pip's cache when it has the wheels).

    venv/bin/python bench/suite.py            # ~3 min
    venv/bin/python bench/suite.py --runs 2   # two clean checkouts, each run twice; medians
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"^(?:=+ )?(\d+) passed(?:, (\d+) skipped)?(?:, \d+ \w+)* in ([\d.]+)s", re.MULTILINE)
"""pytest's last line when every test passed (``-q`` or not; warnings counted after the skips)."""


def make_test(checkout: Path) -> tuple[float, float, str]:
    """Wall seconds of ``make test`` in ``checkout``, pytest's own seconds and its summary line."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    start = time.perf_counter()
    done = subprocess.run(
        ["make", "test"], cwd=checkout, env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    found = SUMMARY.findall(done.stdout)
    if done.returncode != 0 or not found:
        raise SystemExit(f"make test failed in {checkout}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    passed, skipped, seconds = found[-1]
    return wall, float(seconds), f"{passed} passed, {skipped or 0} skipped"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="clean checkouts, each tested twice")
    args = parser.parse_args()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    cold: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    summary = ""
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="suite-bench-") as temporary:
            checkout = Path(temporary) / "checkout"
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(checkout)], check=True)
            wall, seconds, summary = make_test(checkout)
            cold.append((wall, seconds))
            wall, seconds, summary = make_test(checkout)
            warm.append((wall, seconds))
    print(f"make test of {head} ({summary}), median of {args.runs} clean checkout(s):")
    print(f"{'run':<28}{'pytest s':>10}{'wall s':>9}")
    for name, runs in (("clean checkout (CI)", cold), ("second run (caches warm)", warm)):
        pytest_s = statistics.median(s for _, s in runs)
        wall_s = statistics.median(w for w, _ in runs)
        print(f"{name:<28}{pytest_s:>10.1f}{wall_s:>9.1f}")


if __name__ == "__main__":
    main()
