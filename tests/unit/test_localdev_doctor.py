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
