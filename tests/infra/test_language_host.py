"""The program runs the way the Pulumi language host runs it: cwd infra/, repository root off sys.path."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tools.preview.runner import ROOT

HOST = textwrap.dedent(
    """
    import gc, os, sys
    gc.disable()  # short-lived, as `python -m tools` runs (no collector, no teardown): imports are what is checked
    root = {root!r}
    # What the language host leaves on sys.path: the program directory, never the repository root.
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.getcwd()) != root]
    assert os.getcwd() == os.path.join(root, "infra")
    import components, infra  # resolvable only through the project installed from requirements.txt
    from settings import stacks
    from tools.preview import runner
    result = runner.run_program(stacks.read("dev"))
    print(len(result.resources), os.path.dirname(components.__file__), flush=True)
    os._exit(0)
    """
)


def test_program_imports_its_components_with_the_repository_root_off_sys_path(tmp_path):
    script = tmp_path / "host.py"
    script.write_text(HOST.format(root=str(ROOT)))
    done = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT / "infra", capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    count, components_dir = done.stdout.split()
    assert int(count) > 40
    assert components_dir == str(ROOT / "components")


def test_each_programs_requirements_install_the_pins_and_the_project_itself():
    # Pulumi's pip toolchain runs pip in the program directory: `-r` is relative to the file, `-e ..` to it.
    for program in ("infra", "services"):
        lines = (ROOT / program / "requirements.txt").read_text().splitlines()
        assert "-r ../requirements.txt" in lines
        assert "-e .." in lines


def test_platform_pulumi_yaml_runs_its_own_directory_on_the_shared_venv():
    text = (ROOT / "infra" / "Pulumi.yaml").read_text()
    assert "name: platform" in text
    assert "main:" not in text  # the program is infra/ itself (infra/__main__.py)
    assert "toolchain: pip" in text
    assert "virtualenv: ../venv" in text


def test_services_pulumi_yaml_runs_its_own_directory_on_the_shared_venv():
    text = (ROOT / "services" / "Pulumi.yaml").read_text()
    assert "name: services" in text
    assert "main:" not in text  # the program is services/ itself (services/__main__.py)
    assert "toolchain: pip" in text
    assert "virtualenv: ../venv" in text
