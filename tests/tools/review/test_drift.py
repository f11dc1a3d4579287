"""``python -m tools drift``: recorded ``pulumi refresh --preview-only --json`` and ``pulumi preview --json``
documents (Pulumi's ``PreviewDigest``, written from ``pkg/display/json.go`` and ``ShowPreviewDigest`` in
``pkg/backend/display/json.go`` at pulumi/pulumi 1b594989) turned into a drift report; bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools import cli
from tools.review import drift

FIXTURES = Path(__file__).parent / "fixtures" / "drift"
ROOT = Path(__file__).resolve().parents[3]


def _report(name: str) -> drift.Report:
    path = FIXTURES / name
    return drift.report(drift.load(path), name)


# --- the two kinds of document --------------------------------------------------------------------


def test_a_refresh_document_is_told_apart_from_a_preview_by_its_refresh_steps():
    assert _report("refresh-drift.json").kind is drift.Kind.REFRESH
    assert _report("refresh-clean.json").kind is drift.Kind.REFRESH
    assert _report("preview-drift.json").kind is drift.Kind.PREVIEW
    assert _report("preview-clean.json").kind is drift.Kind.PREVIEW


def test_clean_documents_of_both_kinds_report_no_drift_and_exit_0(capsys):
    for name in ("refresh-clean.json", "preview-clean.json"):
        assert not _report(name).has_drift
        assert cli.main(["drift", str(FIXTURES / name)]) == 0
        assert "no drift" in capsys.readouterr().out


def test_refresh_drift_lists_resources_changed_outside_pulumi_stateful_first():
    report = _report("refresh-drift.json")
    assert report.stack == "prod"
    names = [(d.name, d.type.split(":")[1], d.op) for d in report.drifted]
    assert names == [
        ("prod-postgres", "rds/instance", "update"),  # stateful (and protected) first
        ("prod-network-postgres-from-workloads", "vpc/securityGroupIngressRule", "update"),
        ("prod-alerting-forwarder", "lambda/function", "update"),
        ("prod-alerting-forwarder", "sns/topicSubscription", "delete"),  # deleted outside Pulumi
    ]
    postgres = report.drifted[0]
    assert postgres.stateful
    assert postgres.protect
    changes = {c.path: (c.old, c.new, c.kind) for c in postgres.changes}
    assert changes["backupRetentionPeriod"] == ("14", "1", "update")
    assert changes["deletionProtection"] == ("true", "false", "update")
    assert changes["tags.owner"] == ("(absent)", "someone@example.com", "add")
    rule = report.drifted[1]
    assert {c.path: (c.old, c.new) for c in rule.changes} == {
        "fromPort": ("5432", "0"),
        "toPort": ("5432", "65535"),
    }


def test_preview_drift_lists_what_the_next_up_would_change_with_quoted_paths():
    report = _report("preview-drift.json")
    assert report.stack == "staging"
    job, hpa = report.drifted  # by URN: neither is stateful
    assert job.op == "replace"
    assert [(c.path, c.old, c.new) for c in job.changes] == [
        ("spec.template.spec.containers[0].image", "example.com/gateway:v1.4.0", "example.com/gateway:v1.5.0")
    ]
    assert {c.path: (c.old, c.new) for c in hpa.changes} == {
        'metadata.labels["app.kubernetes.io/part-of"]': ("(absent)", "product"),
        "spec.maxReplicas": ("4", "6"),
    }


def test_drift_exits_1_and_every_format_names_the_change(capsys):
    path = str(FIXTURES / "refresh-drift.json")
    assert cli.main(["drift", path]) == 1
    text = capsys.readouterr().out
    assert "backupRetentionPeriod: 14 -> 1" in text
    assert cli.main(["drift", path, "--markdown"]) == 1
    assert "`backupRetentionPeriod`: `14` → `1`" in capsys.readouterr().out
    assert cli.main(["drift", path, str(FIXTURES / "preview-clean.json"), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["drift"] is True
    assert [r["kind"] for r in document["reports"]] == ["refresh", "preview"]
    assert document["reports"][0]["drifted"][0]["stateful"] is True


# --- secrets -------------------------------------------------------------------------------------


def test_secret_values_are_masked_in_every_output(capsys):
    # The fixture's Lambda holds a token pasted by hand outside Pulumi (not marked secret by the provider).
    raw = (FIXTURES / "refresh-drift.json").read_text()
    assert "xoxb-pasted-by-hand" in raw
    path = str(FIXTURES / "refresh-drift.json")
    outputs = []
    for form in ([], ["--json"], ["--markdown"]):
        cli.main(["drift", path, *form])
        outputs.append(capsys.readouterr().out)
    outputs.append(json.dumps(drift.slack_message([_report("refresh-drift.json")])))
    for out in outputs:
        assert "xoxb-pasted-by-hand" not in out
    lambda_changes = {c.path: c for c in _report("refresh-drift.json").drifted[2].changes}
    token = lambda_changes["environment.variables.SLACK_TOKEN"]
    assert (token.old, token.new) == (drift.MASK, drift.MASK)


def test_additional_secret_outputs_and_serialized_secrets_are_masked():
    state = {
        "inputs": {"conn": {"password": "hunter2", "host": "db"}},
        "additionalSecretOutputs": ["masterUserSecrets"],
    }
    assert drift._secret_path(["masterUserSecrets", 0, "secretArn"], [state])
    assert (
        drift.mask({"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": "x"})
        == drift.MASK
    )
    assert drift.render({"password": "hunter2", "host": "db"}) == '{"host": "db", "password": "[secret]"}'


# --- property paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("tags.owner", ["tags", "owner"]),
        ("ingress[0].cidrBlocks[1]", ["ingress", 0, "cidrBlocks", 1]),
        ('metadata.labels["app.kubernetes.io/name"]', ["metadata", "labels", "app.kubernetes.io/name"]),
        ('a["say \\"hi\\""].b', ["a", 'say "hi"', "b"]),
        ("", []),
    ],
)
def test_property_paths_parse_as_pulumi_prints_them(path, parts):
    assert drift.parse_path(path) == parts


# --- bad input: exit 2, a message, never a traceback --------------------------------------------


BAD = {
    "empty.json": b"",
    "blank.json": b"  \n\t\n",
    "binary.json": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin1.json": '{"steps": [], "config": {"name": "café"}}'.encode("latin-1"),
    "not-json.json": b"Previewing refresh (prod)\n@ previewing....\n",
    "array.json": b"[1, 2, 3]",
    "steps-object.json": b'{"steps": {"op": "update"}}',
    "unknown-op.json": b'{"steps": [{"op": "explode", "urn": "urn:pulumi:dev::p::t::n"}]}',
    "bad-urn.json": b'{"steps": [{"op": "update", "urn": "arn:aws:s3:::bucket"}]}',
    "bad-diff.json": b'{"steps": [{"op": "update", "urn": "urn:pulumi:dev::p::t::n", "detailedDiff": {"a": {"kind": "boom"}}}]}',
    "bad-state.json": b'{"steps": [{"op": "update", "urn": "urn:pulumi:dev::p::t::n", "oldState": [1]}]}',
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_file_that_is_not_a_pulumi_document_exits_2_with_a_message(tmp_path, capsys, name):
    path = tmp_path / name
    path.write_bytes(BAD[name])
    assert cli.main(["drift", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert str(path) in err


def test_a_missing_file_or_a_directory_exits_2(tmp_path, capsys):
    assert cli.main(["drift", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["drift", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_command_line_prints_no_traceback_for_non_utf8_input(tmp_path):
    path = tmp_path / "report.json"
    path.write_bytes(b'{"steps": [\xff\xfe]}')
    done = subprocess.run(
        [sys.executable, "-m", "tools", "drift", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "not UTF-8" in done.stderr


@given(st.binary(max_size=200))
def test_any_bytes_give_a_report_or_a_drift_input_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("drift") / "report.json"
    path.write_bytes(data)
    try:
        document = drift.load(path)
    except drift.DriftInputError:
        return
    drift.as_text([drift.report(document)])


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
        max_leaves=20,
    )
)
def test_any_json_value_gives_a_report_or_a_drift_input_error(value):
    try:
        drift.validate(value)
    except drift.DriftInputError:
        return
    drift.as_markdown([drift.report(value)])


# --- Slack ---------------------------------------------------------------------------------------


def test_slack_gets_the_report_with_stateful_resources_first(monkeypatch, capsys):
    received: list[dict[str, str]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    monkeypatch.setenv("RUN_URL", "https://github.com/acme/platform/actions/runs/1")
    try:
        assert cli.main(["drift", str(FIXTURES / "refresh-drift.json"), "--slack"]) == 1
        thread.join(5)
    finally:
        server.server_close()
    (payload,) = received
    lines = payload["text"].splitlines()
    assert lines[0] == ":warning: *prod*: 4 resource(s) changed outside Pulumi"
    assert lines[1].startswith("• prod-postgres (aws:rds/instance:Instance) changed [stateful, protected]: ")
    assert "backupRetentionPeriod: 14 → 1" in lines[1]
    assert lines[-1] == "<https://github.com/acme/platform/actions/runs/1|run>"
    capsys.readouterr()


def test_a_failed_slack_post_warns_and_keeps_the_exit_status(monkeypatch, capsys):
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "http://127.0.0.1:9/unreachable")
    assert cli.main(["drift", str(FIXTURES / "refresh-clean.json"), "--slack"]) == 0
    assert "posting the drift report to Slack failed" in capsys.readouterr().err
    monkeypatch.delenv("SLACK_WEBHOOK_URL")
    assert cli.main(["drift", str(FIXTURES / "refresh-drift.json"), "--slack"]) == 1
    assert "SLACK_WEBHOOK_URL is not set" in capsys.readouterr().err
