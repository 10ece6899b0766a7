"""`make doctor`: what `sam local` and `make test-sam-local` need, and what this machine lacks."""

from localdev import doctor


def _check(name: str) -> tuple:
    [check] = [c for c in doctor.checks() if name in c[0]]
    return check


def test_names_what_make_test_sam_local_lacks_with_the_fix(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda command: None if command == "nsenter" else f"/bin/{command}")
    monkeypatch.setattr(doctor.os, "geteuid", lambda: 1000)

    assert doctor.sam_local_engine_missing() == ["root", "nsenter"]
    _, found, fix, required = _check("make test-sam-local")
    assert found is None and not required
    assert "root" in fix and "nsenter" in fix


def test_says_when_make_test_sam_local_has_what_it_needs(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda command: f"/bin/{command}")
    monkeypatch.setattr(doctor.os, "geteuid", lambda: 0)

    assert doctor.sam_local_engine_missing() == []
    assert _check("make test-sam-local")[1]


def test_gives_the_architecture_parameter_that_runs_natively(monkeypatch):
    for machine, architecture in (("x86_64", "x86_64"), ("aarch64", "arm64"), ("arm64", "arm64")):
        monkeypatch.setattr(doctor.platform, "machine", lambda machine=machine: machine)
        assert doctor.host_architecture() == architecture
        assert f"--parameter-overrides Architecture={architecture}" in _check("sam build/local here")[1]


def test_python_for_sam_build_is_named_for_the_targets_that_put_it_on_path(monkeypatch):
    """`make sam-build` (and `make build`) put the runtime on PATH: `[ok]` is true for them; a plain
    `sam build` finds only a python3.13 on PATH, and the line says when there is none."""
    monkeypatch.setattr(doctor, "runtime_python", lambda: "/opt/pythons/3.13.1/bin/python3.13")
    monkeypatch.setattr(doctor.shutil, "which", lambda command: None)

    what, found, _, required = doctor.runtime_check()

    assert what == "python3.13 for make sam-build" and not required
    assert found == (
        "/opt/pythons/3.13.1/bin/python3.13 (make sam-build puts it on PATH; it is not on PATH here, "
        "so a plain `sam build` would not find it)"
    )


def test_python_for_sam_build_on_path_is_said_plainly(monkeypatch):
    monkeypatch.setattr(doctor, "runtime_python", lambda: "/usr/bin/python3.13")
    monkeypatch.setattr(doctor.shutil, "which", lambda command: f"/usr/bin/{command}")
    monkeypatch.setattr(doctor, "version_of", lambda command: "Python 3.13.1")

    assert doctor.runtime_check()[1] == "/usr/bin/python3.13 (make sam-build puts it on PATH)"


def test_python_for_sam_build_missing_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(doctor, "runtime_python", lambda: None)

    _, found, fix, _ = doctor.runtime_check()

    assert found is None and "pyenv install 3.13" in fix and "PYTHON_RUNTIME=" in fix


def test_the_runtime_the_makefile_is_given_is_the_one_checked(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHON_RUNTIME", "/somewhere/python3.13")

    assert doctor.runtime_python() == "/somewhere/python3.13"
