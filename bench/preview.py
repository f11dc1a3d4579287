"""Offline preview timings per stack, against the floor of the SDK itself.

For each stack this times, in fresh interpreters, (a) the offline preview (`python -m infra preview
--json`) and (b) the floor: the same interpreter importing the same SDKs — down to the classes of the
stack's resource types, which the SDKs load lazily (the first ``aws.ec2`` class costs about a second) —
and registering the same number of bare resources under the same mocks. It prints both, and their
ratio. Goal: prod within 1.5x the floor.

    venv/bin/python bench/preview.py [--runs 3]
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("dev", "staging", "prod")

FLOOR = """
import importlib, sys
import pulumi
from infra.preview import mocks

count = int(sys.argv[1])
for path in sys.argv[2:]:  # the classes of the stack's resource types, e.g. pulumi_aws.ec2:Vpc
    module, cls = path.split(":")
    getattr(importlib.import_module(module), cls)
runtime = mocks.install("platform", "bench", preview=True)


class Bare(pulumi.CustomResource):
    def __init__(self, name):
        super().__init__("bench:index:Bare", name, {"value": name})


runtime.run(lambda: [Bare(f"r{i}") for i in range(count)])
assert len(runtime.monitor.recorded) == count
"""


SDK_PACKAGES = {"aws": "pulumi_aws", "kubernetes": "pulumi_kubernetes", "mongodbatlas": "pulumi_mongodbatlas"}


CUSTOM_RESOURCE = "pulumi_kubernetes.apiextensions:CustomResource"


def sdk_classes(types: Iterable[str]) -> list[str]:
    """The SDK class of each resource type, as ``module:Class``.

    ``aws:ec2/vpc:Vpc`` -> ``pulumi_aws.ec2:Vpc``; ``mongodbatlas:index/project:Project`` ->
    ``pulumi_mongodbatlas:Project``; ``kubernetes:apps/v1:Deployment`` -> ``pulumi_kubernetes.apps.v1:
    Deployment``; a Kubernetes kind with no class of its own (a CRD's) -> ``apiextensions.CustomResource``.
    """
    classes = set()
    for token in types:
        package, module, name = token.split(":", 2)
        if package not in SDK_PACKAGES:
            continue  # providers, components
        group = module.split("/")[0]
        if package == "kubernetes":
            path = module.replace(".sh", "").replace("/", ".")
        else:
            path = "" if group == "index" else group
        candidate = f"{SDK_PACKAGES[package]}{'.' if path else ''}{path}".replace("-", "_").lower()
        classes.add(_resolvable(candidate, name, package))
    return sorted(classes)


def _resolvable(module: str, name: str, package: str) -> str:
    for attempt in (module, f"{module}_"):  # pulumi_aws.lambda_: a keyword gets a trailing underscore
        try:
            if hasattr(importlib.import_module(attempt), name):
                return f"{attempt}:{name}"
        except ImportError:
            continue
    if package == "kubernetes":
        return CUSTOM_RESOURCE
    raise LookupError(f"no SDK class for {module}:{name}")


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is shown")
    args = parser.parse_args()
    print(f"{'stack':<8}{'resources':>10}{'preview s':>11}{'floor s':>9}{'ratio':>7}")
    for stack in STACKS:
        previews, resources = [], []
        for _ in range(args.runs):
            seconds, out = timed([sys.executable, "-m", "infra", "preview", "--stack", stack, "--json"])
            previews.append(seconds)
            resources = json.loads(out)["resources"]
        count, classes = len(resources), sdk_classes(r["type"] for r in resources)
        floors = [timed([sys.executable, "-c", FLOOR, str(count), *classes])[0] for _ in range(args.runs)]
        preview_s, floor_s = statistics.median(previews), statistics.median(floors)
        print(f"{stack:<8}{count:>10}{preview_s:>11.2f}{floor_s:>9.2f}{preview_s / floor_s:>7.2f}")


if __name__ == "__main__":
    main()
