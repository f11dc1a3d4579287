"""Promote, abort and wait for an Argo Rollout with plain kubectl (standard library only).

    python3 .github/scripts/rollout.py promote web --namespace product
    python3 .github/scripts/rollout.py abort gateway --namespace product
    python3 .github/scripts/rollout.py status web --namespace product --timeout 900
    python3 .github/scripts/rollout.py undo gateway --namespace product [--to IMAGE] [--github-output F]
    python3 .github/scripts/rollout.py wait gateway --namespace product --timeout 120   # Rollout or Deployment

The same patches and the same health reading as the ``kubectl argo rollouts`` plugin at the version the
cluster runs (argoproj/argo-rollouts v1.8.3): ``pkg/kubectl-argo-rollouts/cmd/promote/promote.go``
(a paused blue/green or canary pause is promoted by clearing ``status.pauseConditions`` on the status
subresource, and ``spec.paused`` if set), ``cmd/abort/abort.go`` (``status.abort: true``) and
``utils/rollout/rolloututil.go::GetRolloutPhase`` (a phase counts only once ``status.observedGeneration``
equals ``metadata.generation`` and the controller is not still unpausing). Exit codes: 0 healthy (or the
patch applied), 1 degraded / timed out / the patch failed, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

CLEAR_PAUSE_CONDITIONS = {"status": {"pauseConditions": None}}
UNPAUSE = {"spec": {"paused": False}}
ABORT = {"status": {"abort": True}}
HEALTHY, DEGRADED, PAUSED, PROGRESSING = "Healthy", "Degraded", "Paused", "Progressing"

Kubectl = Callable[[list[str]], str]


def kubectl(args: list[str]) -> str:
    done = subprocess.run(["kubectl", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or f"kubectl {' '.join(args)} failed")
    return done.stdout


def get(run: Kubectl, name: str, namespace: str) -> dict[str, Any]:
    return json.loads(run(["get", "rollouts.argoproj.io", name, "-n", namespace, "-o", "json"]))


def patch(run: Kubectl, name: str, namespace: str, body: dict[str, Any], status: bool) -> None:
    args = ["patch", "rollouts.argoproj.io", name, "-n", namespace, "--type", "merge", "-p", json.dumps(body)]
    run([*args, "--subresource", "status"] if status else args)


def phase(rollout: dict[str, Any]) -> tuple[str, str]:
    """``(phase, message)`` as the plugin reads them (``GetRolloutPhase``)."""
    status = rollout.get("status") or {}
    observed = status.get("observedGeneration")
    generation = (rollout.get("metadata") or {}).get("generation")
    if (
        observed is not None
        and str(observed).isdigit()
        and generation is not None
        and int(observed) < generation
    ):
        return PROGRESSING, "waiting for rollout spec update to be observed"
    if status.get("controllerPause") and not status.get("pauseConditions"):
        return PROGRESSING, "waiting for rollout to unpause"
    return status.get("phase") or PROGRESSING, status.get("message") or ""


def promote(run: Kubectl, name: str, namespace: str) -> str:
    """Promote a rollout paused for promotion (blue/green pre-promotion or a canary pause step)."""
    rollout = get(run, name, namespace)
    status, spec = rollout.get("status") or {}, rollout.get("spec") or {}
    if not status.get("pauseConditions") and not spec.get("paused"):
        raise RuntimeError(f"rollout {name} is not paused ({phase(rollout)[0]}); nothing to promote")
    if status.get("pauseConditions"):
        patch(run, name, namespace, CLEAR_PAUSE_CONDITIONS, status=True)
    if spec.get("paused"):
        patch(run, name, namespace, UNPAUSE, status=False)
    return f"rollout {name} promoted"


def abort(run: Kubectl, name: str, namespace: str) -> str:
    """Abort an update in flight: Argo scales the new version down and routes all traffic to stable."""
    patch(run, name, namespace, ABORT, status=True)
    return f"rollout {name} aborted: traffic returns to the stable version"


def wait(
    run: Kubectl,
    name: str,
    namespace: str,
    timeout: float,
    interval: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """Wait until the rollout is Healthy (True) or Degraded / out of time (False), like ``status``."""
    deadline = clock() + timeout
    last = ""
    while True:
        current, message = phase(get(run, name, namespace))
        last = f"{current}{': ' + message if message else ''}"
        if current == HEALTHY:
            return True, f"rollout {name} is Healthy"
        if current == DEGRADED:
            return False, f"rollout {name} is Degraded: {message}"
        if clock() >= deadline:
            return False, f"rollout {name} did not become Healthy in {timeout:.0f} s (last: {last})"
        sleep(interval)


REVISION = {"Rollout": "rollout.argoproj.io/revision", "Deployment": "deployment.kubernetes.io/revision"}
HASH_LABEL = {"Rollout": "rollouts-pod-template-hash", "Deployment": "pod-template-hash"}


def workload_kind(run: Kubectl, name: str, namespace: str) -> str:
    """``Rollout`` when an Argo Rollout of that name exists, else ``Deployment``."""
    try:
        run(["get", "rollouts.argoproj.io", name, "-n", namespace, "-o", "name"])
        return "Rollout"
    except RuntimeError:
        return "Deployment"


def _resource(kind: str) -> str:
    return "rollouts.argoproj.io" if kind == "Rollout" else "deployments.apps"


def _image(template: dict[str, Any]) -> str:
    containers = ((template.get("spec") or {}).get("containers")) or [{}]
    return str(containers[0].get("image") or "")


def revisions(run: Kubectl, kind: str, name: str, namespace: str) -> list[tuple[int, dict[str, Any]]]:
    """The workload's ReplicaSets as ``(revision, pod template)``, newest first: those it controls
    (``ownerReferences`` with ``controller: true``), as ``kubectl argo rollouts undo`` lists them."""
    listing = json.loads(run(["get", "replicasets.apps", "-n", namespace, "-o", "json"]))
    found = []
    for rs in listing.get("items") or []:
        meta = rs.get("metadata") or {}
        owners = meta.get("ownerReferences") or []
        if not any(o.get("kind") == kind and o.get("name") == name and o.get("controller") for o in owners):
            continue
        revision = (meta.get("annotations") or {}).get(REVISION[kind], "")
        if revision.isdigit():
            found.append((int(revision), (rs.get("spec") or {}).get("template") or {}))
    return sorted(found, key=lambda item: -item[0])


def undo(run: Kubectl, name: str, namespace: str, to: str | None = None) -> str:
    """Put the workload's pod template back to its previous revision (or to the newest revision running
    image ``to``), as ``kubectl argo rollouts undo`` (``cmd/undo/undo.go``: the ReplicaSet's template
    without the hash label, a JSON patch replacing ``/spec/template``) and ``kubectl rollout undo`` do.
    Argo treats a template of a revision inside ``rollbackWindow`` as a rollback: no steps, no analysis.
    Returns the image now shipped."""
    kind = workload_kind(run, name, namespace)
    history = revisions(run, kind, name, namespace)
    if not history:
        raise RuntimeError(f"{kind.lower()} {name} has no revisions to go back to")
    current = history[0]
    candidates = history[1:] if to is None else [h for h in history[1:] if _image(h[1]) == to]
    if not candidates:
        wanted = f"a revision running {to}" if to else "a previous revision"
        raise RuntimeError(f"{kind.lower()} {name} keeps no {wanted} (revisions {[r for r, _ in history]})")
    _revision, template = candidates[0]
    if _image(template) == _image(current[1]) and to is None:
        raise RuntimeError(f"{kind.lower()} {name}: the previous revision runs the current image already")
    template = json.loads(json.dumps(template))
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL[kind], None)
    body = [{"op": "replace", "path": "/spec/template", "value": template}]
    run(["patch", _resource(kind), name, "-n", namespace, "--type", "json", "-p", json.dumps(body)])
    return _image(template)


def wait_workload(
    run: Kubectl,
    name: str,
    namespace: str,
    timeout: float,
    interval: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """:func:`wait` for a Rollout; for a Deployment ``kubectl rollout status`` (its own timeout)."""
    if workload_kind(run, name, namespace) == "Rollout":
        return wait(run, name, namespace, timeout, interval, clock, sleep)
    try:
        run(["rollout", "status", f"deployment/{name}", "-n", namespace, f"--timeout={int(timeout)}s"])
    except RuntimeError as exc:
        return False, f"deployment {name} did not become available in {timeout:.0f} s: {exc}"
    return True, f"deployment {name} is available"


def main(argv: list[str] | None = None, run: Kubectl = kubectl) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["promote", "abort", "status", "undo", "wait"])
    parser.add_argument("rollout")
    parser.add_argument("--namespace", "-n", default="product")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds `status`/`wait` wait (default 900)"
    )
    parser.add_argument("--to", default=None, help="undo: the image of the revision to go back to")
    parser.add_argument("--github-output", default=None, help="undo: append image=<shipped> to this file")
    args = parser.parse_args(argv)
    try:
        if args.action == "promote":
            print(promote(run, args.rollout, args.namespace))
            return 0
        if args.action == "abort":
            print(abort(run, args.rollout, args.namespace))
            return 0
        if args.action == "undo":
            image = undo(run, args.rollout, args.namespace, args.to or None)
            print(f"{args.rollout} goes back to {image}")
            if args.github_output:
                with open(args.github_output, "a", encoding="utf-8") as out:
                    out.write(f"image={image}\n")
            return 0
        if args.action == "wait":
            healthy, message = wait_workload(run, args.rollout, args.namespace, args.timeout)
            print(message)
            return 0 if healthy else 1
        healthy, message = wait(run, args.rollout, args.namespace, args.timeout)
        print(message)
        return 0 if healthy else 1
    except (RuntimeError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
