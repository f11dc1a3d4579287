"""Golden files beside the tests: compare, or rewrite them with ``UPDATE_GOLDEN=1`` (then review the diff)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"


def assert_golden(name: str, value: Any) -> None:
    path = GOLDEN / name
    text = json.dumps(value, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.is_file(), f"golden file {path} missing; run with UPDATE_GOLDEN=1 and review it"
    assert json.loads(path.read_text()) == json.loads(text), f"rendering differs from {path.name}"
