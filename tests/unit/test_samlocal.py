"""`make sam-invoke` and `make sam-api` (samlocal/cli.py): what they refuse, in one line with
the fix, before they start anything; the commands they print. Running them is
tests/sam_local/test_by_hand.py's (in `make test-sam-local`)."""

import re
import socket
from contextlib import closing

import pytest

from samlocal import cli as sam_local


@pytest.fixture
def clone(tmp_path, monkeypatch):
    """A clone whose .aws-sam/build/ this test fills."""
    monkeypatch.setattr(sam_local, "ROOT", tmp_path)
    return tmp_path


def refusal(capsys, *argv: str) -> str:
    assert sam_local.main(list(argv)) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    [line] = printed.err.splitlines()
    return line


def test_nothing_built_says_to_run_make_sam_build(clone, capsys):
    assert refusal(capsys, "invoke", "GetCourseFunction", "events/get_course.json") == (
        "Nothing built in .aws-sam/build yet: make sam-build first"
    )


def test_a_build_for_another_architecture_says_make_sam_build_builds_for_this_machine(clone, capsys, monkeypatch):
    layer = clone / ".aws-sam" / "build" / "CourseCommonLayer" / "python" / "pydantic_core"
    layer.mkdir(parents=True)
    (clone / ".aws-sam" / "build" / "template.yaml").write_text("{}")
    (layer / "_pydantic_core.cpython-313-aarch64-linux-gnu.so").write_bytes(b"")
    monkeypatch.setattr(sam_local, "host_architecture", lambda: "x86_64")

    assert refusal(capsys, "start-api", "--port", "3001") == (
        ".aws-sam/build holds a build for another architecture (make build builds arm64, for deploying): "
        "make sam-build builds for this machine (x86_64)"
    )


@pytest.fixture
def built(clone, monkeypatch):
    layer = clone / ".aws-sam" / "build" / "CourseCommonLayer"
    layer.mkdir(parents=True)
    (clone / ".aws-sam" / "build" / "template.yaml").write_text("{}")
    (layer / "_pydantic_core.cpython-313-x86_64-linux-gnu.so").write_bytes(b"")
    monkeypatch.setattr(sam_local, "host_architecture", lambda: "x86_64")
    return clone


def test_a_port_in_use_is_named_with_the_fix(built, capsys):
    with closing(socket.socket()) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]

        line = refusal(capsys, "start-api", "--port", str(port))

    fix = re.fullmatch(
        f"Port {port} on 127.0.0.1 is in use, probably by make run or another make sam-api: stop that one, "
        r"or choose another port: make sam-api PORT=(\d+)",
        line,
    )
    assert fix, line
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", int(fix[1])))  # the port it suggests is free


def test_without_docker_or_root_it_says_what_is_missing(built, capsys, monkeypatch):
    (built / "events").mkdir()
    (built / "events" / "health.json").write_text("{}")
    monkeypatch.setattr(sam_local, "docker_version", lambda: None)
    monkeypatch.setattr(sam_local, "sam_local_engine_missing", lambda: ["root"])

    assert refusal(capsys, "invoke", "HealthFunction", "events/health.json") == (
        "No Docker engine answers here (docker info), and the project's own needs root: start Docker, "
        "or run as root on a Debian-based machine (make doctor)"
    )


def test_a_missing_event_file_is_named(built, capsys):
    assert refusal(capsys, "invoke", "GetCourseFunction", "events/nothing.json") == (
        "No event file events/nothing.json: events/ holds the sample events, each for the function its name starts with (docs/LOCAL.md, sam local)"
    )


@pytest.mark.parametrize(
    "engine, skip",
    [(sam_local.DockerEngine("27.0"), ""), (object.__new__(sam_local.OwnEngine), " --skip-pull-image")],
    ids=["Docker: AWS's image, pulled", "own engine: the stand-in image"],
)
def test_the_sam_command_is_the_readmes(engine, skip):
    command = sam_local.sam_command(
        str(sam_local.ROOT / ".tools/sam/bin/sam"), engine, ["invoke", "HealthFunction", "--event", "x.json"], "arm64"
    )

    assert sam_local._shown(command) == (
        ".tools/sam/bin/sam local invoke HealthFunction --event x.json --env-vars samlocal/sam-local-env.json "
        f"--add-host host.docker.internal:host-gateway --parameter-overrides Architecture=arm64{skip}"
    )
