"""Offline preview timings per project and stack, against two floors of the SDK itself, and in services.

Every figure is the median wall time of fresh interpreters, measured alternately (preview, fair floor,
strict floor, preview, ...) so that a load change on the machine hits all three alike:

* **preview**: ``python -m tools preview --stack S --project P --json``. The services preview answers its
  StackReference from the platform's cached offline outputs (warmed once before timing; ``--no-cache``
  costs one platform run more).
* **fair floor**: the same interpreter importing the same SDKs, down to the classes of the stack's
  resource types (the SDKs load a module per resource family: the first ``aws.ec2`` class costs about a
  second), and registering as many bare resources under the same mocks, through the SDK's own
  ``run_in_stack``, with Python's default collector and exit.
* **strict floor**: the same imports and bare resources, run the way the preview runs (the offline
  runner's linear wait and paused collector, no interpreter teardown): what no change to this
  repository's code can remove. Its remaining cost is the SDK's (docs/PERFORMANCE.md).

Then the services preview of 6, 25, 50 and 100 services of prod's shape (copies of prod's services with
their ``after`` edges, migrations and gates), generated into a temporary repository (``--root``), and the
whole prod preview of each (``--no-cache``: the platform run and the services run in one process, as a
pull request's services check runs on a fresh runner; the platform grows with the services too).

    venv/bin/python bench/preview.py            # 3 runs per figure, about 3 minutes on 2 idle cores
    venv/bin/python bench/preview.py --quick    # 1 run per figure
    venv/bin/python bench/preview.py --no-curve --cdk   # and prod beside `cdk synth` of bench/cdk/app.js
    venv/bin/python bench/preview.py --no-curve --proposals   # and the SDK proposals 1 and 1b, measured

``--cdk`` times ``cdk synth`` (aws-cdk 2.1148.1, aws-cdk-lib 2.276.0, pinned in bench/cdk/package-lock.json)
of a CDK app of the platform's shape beside the prod preview, with the peak memory of each.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from settings import stacks

ROOT = stacks.ROOT

CURVE = (6, 25, 50, 100)

FLOOR = """
import gc, importlib, os, sys
import pulumi
from tools.preview import mocks

strict = sys.argv[1] == "strict"
count = int(sys.argv[2])
for path in sys.argv[3:]:  # the classes of the stack's resource types, e.g. pulumi_aws.ec2:Vpc
    module, cls = path.split(":")
    getattr(importlib.import_module(module), cls)
runtime = mocks.install("platform", "bench", preview=True)


class Bare(pulumi.CustomResource):
    def __init__(self, name):
        super().__init__("bench:index:Bare", name, {"value": name})


def program():
    [Bare(f"r{i}") for i in range(count)]


if strict:
    gc.disable()
    runtime.run(program)  # the offline runner's wait, collector paused
else:
    runtime.loop.run_until_complete(pulumi.runtime.run_in_stack(program))  # the SDK's own
assert len(runtime.monitor.recorded) == count
if strict:
    sys.stdout.flush()
    os._exit(0)
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
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:8])} ... failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start, done.stdout


def preview_command(project: str, stack: str, root: Path = ROOT) -> list[str]:
    command = [sys.executable, "-m", "tools", "preview", "--stack", stack, "--project", project, "--json"]
    return [*command, "--root", str(root)] if root != ROOT else command


def stacks_table(runs: int) -> None:
    print(
        f"{'project':<10}{'stack':<9}{'resources':>10}{'preview s':>11}{'fair s':>8}{'strict s':>10}", end=""
    )
    print(f"{'/fair':>7}{'/strict':>9}")
    for project in stacks.Project:
        for stack in stacks.stacks(project):
            command = preview_command(project, stack)
            _, out = timed(command)  # warms the services' cache of the platform's outputs
            resources = json.loads(out)["resources"]
            count, classes = len(resources), sdk_classes(r["type"] for r in resources)
            previews, fair, strict = [], [], []
            for _ in range(runs):  # alternated
                previews.append(timed(command)[0])
                fair.append(timed([sys.executable, "-c", FLOOR, "fair", str(count), *classes])[0])
                strict.append(timed([sys.executable, "-c", FLOOR, "strict", str(count), *classes])[0])
            p, f, s = (statistics.median(x) for x in (previews, fair, strict))
            print(
                f"{project:<10}{stack:<9}{count:>10}{p:>11.2f}{f:>8.2f}{s:>10.2f}{p / f:>7.2f}{p / s:>9.2f}"
            )


def services_of_prod_shape(count: int) -> dict[str, Any]:
    """``count`` services: copies of prod's services (names, hosts and ``after`` edges renamed per copy)."""
    document = YAML(typ="safe").load((stacks.project_dir("services") / "Pulumi.prod.yaml").read_text())
    prod: dict[str, Any] = document["config"]["services:apps"]
    apps: dict[str, Any] = {}
    copy = 0
    while len(apps) < count:
        suffix = f"-{copy}" if copy else ""
        for name, spec in prod.items():
            if len(apps) == count:
                break
            spec = json.loads(json.dumps(spec))
            if "after" in spec:
                spec["after"] = [f"{a}{suffix}" for a in spec["after"] if f"{a}{suffix}" in apps]
            if "ingress" in spec:
                host = spec["ingress"]["host"]
                spec["ingress"]["host"] = host.replace(".", f"{suffix}.", 1)
            apps[f"{name}{suffix}"] = spec
        copy += 1
    document["config"]["services:apps"] = apps
    # The copies claim the same cache prefixes as prod's services: declare every overlap shared.
    claims = {n: (s.get("uses", {}).get("cache") or {}).get("prefixes", []) for n, s in apps.items()}
    shared = {
        prefix: sorted(
            n for n, mine in claims.items() if any(m.startswith(prefix) or prefix.startswith(m) for m in mine)
        )
        for prefix in sorted({p for mine in claims.values() for p in mine})
    }
    document["config"]["services:cache"] = {
        "shared": {p: names for p, names in shared.items() if len(names) > 1}
    }
    return document


def repository_with_services(directory: Path, count: int) -> Path:
    """A repository in ``directory``: this program, the prod stacks, ``count`` services of prod's shape."""
    root = directory / f"services-{count}"
    for project in ("infra", "services"):
        (root / project).mkdir(parents=True)
        (root / project / "__main__.py").symlink_to(ROOT / project / "__main__.py")
        shutil.copy(ROOT / project / "Pulumi.yaml", root / project / "Pulumi.yaml")
    shutil.copy(ROOT / "infra" / "Pulumi.prod.yaml", root / "infra" / "Pulumi.prod.yaml")
    shutil.copy(ROOT / "stacks.yaml", root / "stacks.yaml")
    with (root / "services" / "Pulumi.prod.yaml").open("w") as out:
        YAML().dump(services_of_prod_shape(count), out)
    return root


def services_curve(runs: int) -> None:
    """The services preview at 6/25/50/100 services, beside the strict floor of as many bare resources
    (``x six`` of the floor is what the SDK alone makes of 15x the resources); then the whole prod
    preview at each size: the platform run and the services run in one process (``--no-cache``), which is
    what a pull request's services check runs on a fresh runner. The platform grows with the services
    too (each service's identity, secrets and queues are the platform's)."""
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as temporary:
        roots = {n: repository_with_services(Path(temporary), n) for n in CURVE}
        counts: dict[int, int] = {}
        platform_counts: dict[int, int] = {}
        floors: dict[int, list[str]] = {}
        for n, root in roots.items():
            platform_counts[n] = len(
                json.loads(timed(preview_command("platform", "prod", root))[1])["resources"]
            )
            resources = json.loads(timed(preview_command("services", "prod", root))[1])["resources"]
            counts[n] = len(resources)
            classes = sdk_classes(r["type"] for r in resources)
            floors[n] = [sys.executable, "-c", FLOOR, "strict", str(counts[n]), *classes]
        times: dict[int, list[float]] = {n: [] for n in CURVE}
        strict: dict[int, list[float]] = {n: [] for n in CURVE}
        whole: dict[int, list[float]] = {n: [] for n in CURVE}
        for _ in range(runs):  # alternated across sizes, preview, floor and whole preview
            for n, root in roots.items():
                times[n].append(timed(preview_command("services", "prod", root))[0])
                strict[n].append(timed(floors[n])[0])
                whole[n].append(timed([*preview_command("services", "prod", root), "--no-cache"])[0])
    print(
        f"\n{'services':>8}{'resources':>11}{'preview s':>11}{'per service ms':>16}{'x six':>7}"
        f"{'strict s':>10}{'/strict':>9}{'strict x six':>14}"
    )
    six, six_floor = statistics.median(times[CURVE[0]]), statistics.median(strict[CURVE[0]])
    for n in CURVE:
        median, floor = statistics.median(times[n]), statistics.median(strict[n])
        print(
            f"{n:>8}{counts[n]:>11}{median:>11.2f}{1000 * median / n:>16.0f}{median / six:>7.2f}"
            f"{floor:>10.2f}{median / floor:>9.2f}{floor / six_floor:>14.2f}"
        )
    print("\nwhole prod preview (platform and services in one process, --no-cache):")
    print(f"{'services':>8}{'resources':>11}{'preview s':>11}{'per added resource ms':>23}{'x six':>7}")
    six_whole = statistics.median(whole[CURVE[0]])
    six_count = platform_counts[CURVE[0]] + counts[CURVE[0]]
    for n in CURVE:
        median, count = statistics.median(whole[n]), platform_counts[n] + counts[n]
        added = f"{1000 * (median - six_whole) / (count - six_count):.2f}" if count > six_count else "-"
        print(f"{n:>8}{count:>11}{median:>11.2f}{added:>23}{median / six_whole:>7.2f}")


CDK_APP = ROOT / "bench" / "cdk"
PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
if done.returncode:
    sys.exit(done.stderr[-3000:])
sys.stdout.write(done.stdout)
sys.stderr.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))  # KiB, the largest process
"""


def peak(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak resident MiB (the largest process of the tree) and stdout of ``command``."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(cwd), *command], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])} ... failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start, int(done.stderr.strip().splitlines()[-1]) / 1024, done.stdout


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median wall and the median peak memory of :func:`peak`'s runs."""
    return statistics.median(w for w, _ in runs), statistics.median(m for _, m in runs)


def cdk_comparison(runs: int) -> None:
    """The prod preview beside ``cdk synth`` of ``bench/cdk/app.js`` (a CDK app of the platform's shape),
    alternated: wall, wall per 100 resources, peak memory. Installs the app's pinned packages
    (``bench/cdk/package-lock.json``) with ``npm ci`` on first use."""
    if not (CDK_APP / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=CDK_APP, check=True)
    no_telemetry = ["env", "CDK_DISABLE_CLI_TELEMETRY=true"]
    with tempfile.TemporaryDirectory(prefix="cdk-out-") as out:
        synth = [*no_telemetry, "npx", "--no-install", "cdk", "synth", "--quiet", "--no-notices", "-o", out]
        preview = preview_command("platform", "prod")
        rows: dict[str, list[tuple[float, float]]] = {"preview": [], "cdk synth": []}
        counts: dict[str, int] = {}
        for _ in range(runs):  # alternated
            wall, memory, stdout = peak(preview, ROOT)
            rows["preview"].append((wall, memory))
            counts["preview"] = len(json.loads(stdout)["resources"])
            wall, memory, _ = peak(synth, CDK_APP)
            rows["cdk synth"].append((wall, memory))
            counts["cdk synth"] = len(json.loads((Path(out) / "prod.template.json").read_text())["Resources"])
    print(f"\n{'command':<11}{'resources':>10}{'wall s':>8}{'s per 100':>11}{'peak MiB':>10}")
    figures = {}
    for name, values in rows.items():
        wall, memory = medians(values)
        figures[name] = (wall, 100 * wall / counts[name], memory)
        print(f"{name:<11}{counts[name]:>10}{wall:>8.2f}{figures[name][1]:>11.2f}{memory:>10.0f}")
    (p_wall, p_per, p_mem), (c_wall, c_per, c_mem) = figures["preview"], figures["cdk synth"]
    print(
        f"preview / cdk synth: wall {p_wall / c_wall:.2f}x, per 100 resources {p_per / c_per:.2f}x,"
        f" peak memory {p_mem / c_mem:.2f}x"
    )


POSTPONED = ROOT / "bench" / "postponed_annotations.py"
LAZY = ROOT / "bench" / "lazy_classes.py"


def proposals_comparison(runs: int) -> None:
    """Each project's prod preview with the SDK changes proposed in docs/PERFORMANCE.md, as experiments
    on the installed SDKs, beside the SDKs as shipped, alternated: wall, peak memory and whether the
    output is the same bytes. 1: the type modules compiled with postponed annotations
    (``bench/postponed_annotations.py``); 1b: class modules imported on first use
    (``bench/lazy_classes.py``); and both. One run of each first compiles into the cache."""
    print(f"\n{'project':<10}{'SDK':<22}{'wall s':>8}{'ratio':>7}{'peak MiB':>10}{'ratio':>7}  same")
    with tempfile.TemporaryDirectory(prefix="sdk-proposals-") as cache:
        for project in ("platform", "services"):
            shipped = preview_command(project, "prod")
            variants = {
                "as shipped": shipped,
                "1 postponed": [sys.executable, str(POSTPONED), cache, *shipped[1:]],
                "1b lazy classes": [sys.executable, str(LAZY), cache, *shipped[1:]],
                "1 + 1b": [sys.executable, str(LAZY), cache, "--postponed", *shipped[1:]],
            }
            for command in variants.values():
                timed(command)  # compiles into the cache
            figures: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
            outputs: dict[str, str] = {}
            for _ in range(runs):  # alternated
                for name, command in variants.items():
                    wall, memory, outputs[name] = peak(command, ROOT)
                    figures[name].append((wall, memory))
            base_wall, base_memory = medians(figures["as shipped"])
            for name in variants:
                wall, memory = medians(figures[name])
                same = "yes" if outputs[name] == outputs["as shipped"] else "NO"
                print(
                    f"{project:<10}{name:<22}{wall:>8.2f}{wall / base_wall:>7.2f}{memory:>10.0f}"
                    f"{memory / base_memory:>7.2f}  {same}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is shown")
    parser.add_argument("--quick", action="store_true", help="one run per figure")
    parser.add_argument("--no-curve", action="store_true", help="skip the 6/25/50/100-service curve")
    parser.add_argument(
        "--cdk", action="store_true", help="also prod beside `cdk synth` (npm ci on first use)"
    )
    parser.add_argument(
        "--proposals",
        action="store_true",
        help="also prod with the SDK changes proposed in docs/PERFORMANCE.md (1, 1b, both), as experiments",
    )
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    stacks_table(runs)
    if not args.no_curve:
        services_curve(runs)
    if args.cdk:
        cdk_comparison(runs)
    if args.proposals:
        proposals_comparison(runs)


if __name__ == "__main__":
    main()
