"""Hold the queues whose workers a services deploy replaces, and release them whatever happens.

    python3 .github/scripts/queue_hold.py hold --stack prod --preview preview.json --state holds.json
    python3 .github/scripts/queue_hold.py release --stack prod --state holds.json

``hold`` reads the offline preview of the services stack (``python -m tools preview --project services
--json``): every Argo Rollout that carries the drain annotations (``release.platform/pause-flag``,
``hold-seconds``, ``scaled-object``: ``components/apps/drain.py``) and whose pod image differs from the one
the cluster runs is a worker this deploy replaces. For each it turns the expiring pause flag on in the
AppConfig release-holds profile (``until`` = now + ``hold-seconds``; the producers stop enqueueing, and the
pause ends by itself if nothing releases it) and pauses the worker's KEDA ScaledObject
(``autoscaling.keda.sh/paused: "true"``, KEDA 2.17 ``PausedAnnotation``). The Rollout's first step then
waits for the queue to drain. ``release`` (a step with ``if: always()``) turns the flags off and removes
the annotation. AppConfig is reached with the AWS CLI (ids found by the store's names:
``components/apps/flag_store.py``), the cluster with kubectl; standard library only. Exit codes: 0 done,
1 a command failed, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"
PREFIX = "release.platform/"
KEDA_PAUSED = "autoscaling.keda.sh/paused"
ALL_AT_ONCE = "AppConfig.AllAtOnce"
HOLDS_PROFILE = "release-holds"

Run = Callable[[list[str]], str]


def run(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or f"{' '.join(args)} failed")
    return done.stdout


def planned_holds(preview: dict[str, Any]) -> list[dict[str, Any]]:
    """The draining workers of a services preview: name, namespace, image, flag, hold seconds, scaler."""
    found = []
    for resource in preview.get("resources") or []:
        if resource.get("type") != ROLLOUT:
            continue
        manifest = resource.get("inputs") or {}
        meta = manifest.get("metadata") or {}
        annotations = meta.get("annotations") or {}
        if f"{PREFIX}pause-flag" not in annotations:
            continue
        containers = (((manifest.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
            "containers"
        )
        found.append(
            {
                "worker": meta["name"],
                "namespace": meta.get("namespace", "product"),
                "image": (containers or [{}])[0].get("image", ""),
                "flag": annotations[f"{PREFIX}pause-flag"],
                "seconds": int(annotations[f"{PREFIX}hold-seconds"]),
                "scaled_object": annotations[f"{PREFIX}scaled-object"],
            }
        )
    return found


def replaced(run_: Run, hold: dict[str, Any]) -> bool:
    """Whether this deploy changes the worker's image (a Rollout not there yet is not drained)."""
    try:
        live = run_(
            [
                "kubectl",
                "get",
                "rollouts.argoproj.io",
                hold["worker"],
                "-n",
                hold["namespace"],
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image}",
            ]
        )
    except RuntimeError:
        return False
    return live.strip() != hold["image"]


def _aws(run_: Run, *args: str) -> dict[str, Any]:
    return json.loads(run_(["aws", "appconfig", *args, "--output", "json"]) or "{}")


def store(run_: Run, stack: str) -> dict[str, str]:
    """The release-holds profile's ids, found by the flag store's names (``product-<stack>``)."""
    apps = _aws(run_, "list-applications")["Items"]
    app = next(a["Id"] for a in apps if a["Name"] == f"product-{stack}")
    envs = _aws(run_, "list-environments", "--application-id", app)["Items"]
    env = next(e["Id"] for e in envs if e["Name"] == f"{stack}-release-holds")
    profiles = _aws(run_, "list-configuration-profiles", "--application-id", app)["Items"]
    profile = next(p["Id"] for p in profiles if p["Name"] == HOLDS_PROFILE)
    return {"application": app, "environment": env, "profile": profile}


def set_flags(run_: Run, ids: dict[str, str], values: dict[str, dict[str, Any]], workdir: Path) -> None:
    """A new version of the holds with ``values`` merged in, deployed at once."""
    app, env, profile = ids["application"], ids["environment"], ids["profile"]
    latest = _aws(
        run_,
        "list-hosted-configuration-versions",
        "--application-id",
        app,
        "--configuration-profile-id",
        profile,
    )["Items"]
    current = workdir / "current.json"
    run_(
        [
            "aws",
            "appconfig",
            "get-hosted-configuration-version",
            "--application-id",
            app,
            "--configuration-profile-id",
            profile,
            "--version-number",
            str(max(v["VersionNumber"] for v in latest)),
            str(current),
        ]
    )
    document = json.loads(current.read_text())
    document.setdefault("values", {}).update(values)
    content = workdir / "next.json"
    content.write_text(json.dumps(document, sort_keys=True))
    created = _aws(
        run_,
        "create-hosted-configuration-version",
        "--application-id",
        app,
        "--configuration-profile-id",
        profile,
        "--content-type",
        "application/json",
        "--content",
        f"fileb://{content}",
        str(workdir / "created.json"),
    )
    run_(
        [
            "aws",
            "appconfig",
            "start-deployment",
            "--application-id",
            app,
            "--environment-id",
            env,
            "--configuration-profile-id",
            profile,
            "--deployment-strategy-id",
            ALL_AT_ONCE,
            "--configuration-version",
            str(created["VersionNumber"]),
            "--description",
            "release hold",
        ]
    )


def until(seconds: int, now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + seconds))


def hold(run_: Run, stack: str, preview: dict[str, Any], state: Path, now: float, workdir: Path) -> list[str]:
    holds = [h for h in planned_holds(preview) if replaced(run_, h)]
    state.write_text(json.dumps(holds))  # written first: release undoes whatever started
    if not holds:
        return []
    values = {h["flag"]: {"enabled": True, "until": until(h["seconds"], now)} for h in holds}
    set_flags(run_, store(run_, stack), values, workdir)
    for h in holds:
        run_(
            [
                "kubectl",
                "annotate",
                "--overwrite",
                "scaledobjects.keda.sh",
                h["scaled_object"],
                "-n",
                h["namespace"],
                f"{KEDA_PAUSED}=true",
            ]
        )
    return [h["worker"] for h in holds]


def release(run_: Run, stack: str, state: Path, workdir: Path) -> list[str]:
    holds = json.loads(state.read_text()) if state.exists() else []
    if not holds:
        return []
    failures = []
    for h in holds:
        try:
            run_(
                [
                    "kubectl",
                    "annotate",
                    "scaledobjects.keda.sh",
                    h["scaled_object"],
                    "-n",
                    h["namespace"],
                    f"{KEDA_PAUSED}-",
                ]
            )
        except RuntimeError as exc:
            failures.append(str(exc))
    set_flags(run_, store(run_, stack), {h["flag"]: {"enabled": False} for h in holds}, workdir)
    if failures:
        raise RuntimeError("; ".join(failures))
    return [h["worker"] for h in holds]


def main(argv: list[str] | None = None, run_: Run = run, clock: Callable[[], float] = time.time) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["hold", "release"])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--state", required=True, type=Path, help="what hold did, for release")
    parser.add_argument("--preview", type=Path, help="hold: the services preview (--json)")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if args.action == "hold":
                if args.preview is None:
                    parser.error("hold needs --preview")
                held = hold(
                    run_, args.stack, json.loads(args.preview.read_text()), args.state, clock(), Path(tmp)
                )
                print(f"holding {', '.join(held)}" if held else "no draining worker changes: nothing to hold")
            else:
                released = release(run_, args.stack, args.state, Path(tmp))
                print(f"released {', '.join(released)}" if released else "nothing was held")
    except (RuntimeError, KeyError, StopIteration, ValueError) as exc:
        print(f"error: {exc!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
