"""The release holds against fake kubectl and AWS CLIs: pause enqueueing with an expiry, hold KEDA, and
always undo both (.github/scripts/queue_hold.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from components.apps.drain import KEDA_PAUSED
from tests.conftest import services_run

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "scripts" / "queue_hold.py"
spec = importlib.util.spec_from_file_location("queue_hold", SCRIPT)
assert spec is not None
assert spec.loader is not None
queue_hold = importlib.util.module_from_spec(spec)
spec.loader.exec_module(queue_hold)

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def prod_preview() -> dict[str, Any]:
    """The prod services preview as ``python -m tools preview --json`` prints its resources."""
    return {"resources": [{"type": r.type, "inputs": r.inputs} for r in services_run("prod", True).resources]}


class Cloud:
    """kubectl and the AWS CLI, answering from memory and recording what changed."""

    def __init__(self, live_images: dict[str, str]) -> None:
        self.live = live_images
        self.versions = {
            1: {"version": "1", "flags": {}, "values": {"pause-enqueue-convert": {"enabled": False}}}
        }
        self.deployed: list[list[str]] = []
        self.annotations: list[list[str]] = []

    def __call__(self, args: list[str]) -> str:
        if args[:3] == ["kubectl", "get", "rollouts.argoproj.io"]:
            if args[3] not in self.live:
                raise RuntimeError("NotFound")
            return self.live[args[3]]
        if args[:2] == ["kubectl", "annotate"]:
            self.annotations.append(args)
            return ""
        verb = args[2]
        if verb == "list-applications":
            return json.dumps({"Items": [{"Id": "app1", "Name": "product-prod"}]})
        if verb == "list-environments":
            return json.dumps(
                {"Items": [{"Id": "env1", "Name": "prod"}, {"Id": "env2", "Name": "prod-release-holds"}]}
            )
        if verb == "list-configuration-profiles":
            return json.dumps(
                {"Items": [{"Id": "p1", "Name": "flags"}, {"Id": "p2", "Name": "release-holds"}]}
            )
        if verb == "list-hosted-configuration-versions":
            return json.dumps({"Items": [{"VersionNumber": n} for n in self.versions]})
        if verb == "get-hosted-configuration-version":
            number = int(args[args.index("--version-number") + 1])
            Path(args[-1]).write_text(json.dumps(self.versions[number]))
            return "{}"
        if verb == "create-hosted-configuration-version":
            content = args[args.index("--content") + 1].removeprefix("fileb://")
            number = max(self.versions) + 1
            self.versions[number] = json.loads(Path(content).read_text())
            return json.dumps({"VersionNumber": number})
        if verb == "start-deployment":
            self.deployed.append(args)
            return "{}"
        raise AssertionError(args)


def test_the_prod_preview_names_both_workers_their_pause_flags_and_scalers():
    holds = {h["worker"]: h for h in queue_hold.planned_holds(prod_preview())}
    assert set(holds) == {"worker-convert", "worker-export"}
    assert holds["worker-convert"]["flag"] == "pause-enqueue-convert"
    assert holds["worker-convert"]["scaled_object"] == "worker-convert"
    assert holds["worker-convert"]["seconds"] == 24 * 10 + 1800  # the drain's bound + the rollout timeout


def test_hold_pauses_enqueueing_until_an_expiry_and_pauses_keda_for_replaced_workers_only(tmp_path):
    preview = prod_preview()
    image = {h["worker"]: h["image"] for h in queue_hold.planned_holds(preview)}
    cloud = Cloud({"worker-convert": "registry/worker:v1.4.1", "worker-export": image["worker-export"]})
    state = tmp_path / "holds.json"
    assert (
        queue_hold.main(
            ["hold", "--stack", "prod", "--preview", _write(tmp_path, preview), "--state", str(state)],
            cloud,
            lambda: NOW,
        )
        == 0
    )
    latest = cloud.versions[max(cloud.versions)]
    assert latest["values"]["pause-enqueue-convert"] == {"enabled": True, "until": "2027-01-15T08:34:00Z"}
    (deployment,) = cloud.deployed
    assert deployment[deployment.index("--deployment-strategy-id") + 1] == "AppConfig.AllAtOnce"
    assert deployment[deployment.index("--environment-id") + 1] == "env2"  # the holds' own environment
    (annotate,) = cloud.annotations
    assert annotate[-1] == f"{KEDA_PAUSED}=true"
    assert "worker-convert" in annotate
    assert [h["worker"] for h in json.loads(state.read_text())] == ["worker-convert"]

    assert queue_hold.main(["release", "--stack", "prod", "--state", str(state)], cloud, lambda: NOW) == 0
    assert cloud.versions[max(cloud.versions)]["values"]["pause-enqueue-convert"] == {"enabled": False}
    assert cloud.annotations[-1][-1] == f"{KEDA_PAUSED}-"


def test_nothing_is_held_when_no_draining_worker_changes(tmp_path):
    preview = prod_preview()
    cloud = Cloud({h["worker"]: h["image"] for h in queue_hold.planned_holds(preview)})
    state = tmp_path / "holds.json"
    assert (
        queue_hold.main(
            ["hold", "--stack", "prod", "--preview", _write(tmp_path, preview), "--state", str(state)],
            cloud,
            lambda: NOW,
        )
        == 0
    )
    assert cloud.deployed == []
    assert cloud.annotations == []
    assert queue_hold.main(["release", "--stack", "prod", "--state", str(state)], cloud) == 0
    assert cloud.deployed == []


def test_release_without_a_state_file_does_nothing(tmp_path):
    cloud = Cloud({})
    assert queue_hold.main(["release", "--stack", "prod", "--state", str(tmp_path / "none.json")], cloud) == 0
    assert cloud.deployed == []


def _write(tmp_path: Path, preview: dict[str, Any]) -> str:
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(preview, default=str))
    return str(path)
