"""`sam local` by hand: the commands of docs/LOCAL.md (section "sam local"), as written and in order, the way a
developer runs them, with Docker and without.

- With Docker: the engine `make test-sam-local` runs stands for it (DOCKER_HOST); AWS's image cannot
  be pulled here, so the SAM CLI's own SAM_SKIP_PULL_IMAGE makes it use the stand-in imported
  under that image's name.
- Without Docker: no engine answers at DOCKER_HOST, so each command starts the project's own, here
  inside the one `make test-sam-local` runs.

Its first command, `make sam-build`, is run as written by `make test-sam-local` itself
(tests/sam_local/__main__.py), outside these namespaces, where the layer's dependencies can be
downloaded; the others run here. Each answer is checked, and after each command nothing it started
is left running: no process, no container.
"""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from course_service.edge.paths import course_path
from localdev.server_process import TerminalCommand, request
from tests.infrastructure.test_events import EVENTS_DIR
from tests.sam_local.sam_cli import BUILT_TEMPLATE, OUTER_MAKE, readme_commands

COMMANDS = readme_commands()
COMMAND_TIMEOUT = 600  # seconds: the engine's start, the image import, the SAM CLI's image build
STOPPED = "Stopped."


def processes() -> dict[int, str]:
    """Every process these namespaces show, zombies aside: pid to command line."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        if state != "Z":
            found[int(stat.parent.name)] = command.strip()
    return found


def left_behind(before: dict[int, str], within: float = 30.0) -> dict[int, str]:
    """The processes started since ``before`` that still run ``within`` seconds: {} as soon as none is."""
    deadline = time.monotonic() + within
    while True:
        new = {pid: command for pid, command in processes().items() if pid not in before}
        if not new or time.monotonic() > deadline:
            return new
        time.sleep(0.2)


def sam_containers() -> list[str]:
    """The SAM CLI's containers in the engine `make test-sam-local` runs (which stands for Docker)."""
    listed = subprocess.run(
        ["docker", "ps", "--all", "--quiet", "--filter", "label=sam.cli.container.type=lambda"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return listed.stdout.split()


def event_name(file: str) -> str:
    return json.loads(json.loads((EVENTS_DIR / file).read_text())["body"])["name"]


def test_the_readme_gives_the_build_two_invokes_and_start_api():
    assert [command[:2] for command in COMMANDS] == [
        ["make", "sam-build"],
        ["make", "sam-invoke"],
        ["make", "sam-invoke"],
        ["make", "sam-api"],
    ]
    assert "EVENT=events/create_course.json" in COMMANDS[1] and "EVENT=events/get_course.json" in COMMANDS[2]
    assert BUILT_TEMPLATE.exists()  # make sam-build, run by make test-sam-local


@pytest.fixture(params=[True, False], ids=["with Docker", "without Docker"])
def person(request, tmp_path):
    """The environment of a person at the keyboard: with Docker, or without; make's own variables
    from `make test-sam-local` left out. The data folder is new for each (SAM_DATA_DIR)."""
    env = {"SAM_DATA_DIR": str(tmp_path / "data")}
    if request.param:
        env["SAM_SKIP_PULL_IMAGE"] = "1"  # no image registry here: the stand-in has AWS's image's name
    else:
        env["DOCKER_HOST"] = f"unix://{tmp_path}/no-docker-here.sock"
    return request.param, env


def run_to_the_end(command: list[str], env: dict[str, str]) -> list[str]:
    """Runs a command as a person does; what it printed, once it ended well and left nothing running."""
    before = processes()
    with TerminalCommand(command, env=env, unset=OUTER_MAKE) as run:
        code = run.finish(timeout=COMMAND_TIMEOUT)
    assert code == 0, run.output
    assert left_behind(before) == {}, run.output
    return run.lines


def answer(lines: list[str]) -> dict:
    """The function's response, the JSON object `sam local invoke` prints on stdout (with no line end
    after it: its log on stderr may follow on the same line, here where both are read together)."""
    printed = [line for line in lines if line.startswith('{"statusCode"')]
    assert printed, lines
    response, _ = json.JSONDecoder().raw_decode(printed[-1])
    return response


def test_the_readme_commands_work_as_written_and_leave_nothing_running(person):
    docker, env = person
    _, create, get, serve = COMMANDS
    architecture = os.environ["SAM_LOCAL_ARCHITECTURE"]
    name = event_name("create_course.json")
    options = (
        "--env-vars samlocal/sam-local-env.json --add-host host.docker.internal:host-gateway "
        f"--parameter-overrides Architecture={architecture}" + ("" if docker else " --skip-pull-image")
    )

    created = run_to_the_end(create, env)
    assert (
        ".tools/sam/bin/sam local invoke CreateCourseFunction --event events/create_course.json " + options in created
    )
    engine = "Containers: Docker " if docker else "Containers: the project's own container engine"
    assert any(line.startswith(engine) for line in created), created
    assert answer(created)["statusCode"] == 201, created

    read = run_to_the_end(get, env)
    assert answer(read)["statusCode"] == 200, read
    assert json.loads(answer(read)["body"])["name"] == name  # the DynamoDB kept it between the invokes
    if docker:
        assert sam_containers() == []

    port = int(next(word for word in serve if word.startswith("PORT=")).split("=", 1)[1])
    before = processes()
    with TerminalCommand(serve, env=env, unset=OUTER_MAKE) as served:
        served.wait_for(f"sam local start-api on http://127.0.0.1:{port}; Ctrl-C stops it.", timeout=COMMAND_TIMEOUT)
        assert f".tools/sam/bin/sam local start-api --host 127.0.0.1 --port {port} " in served.output
        assert request("127.0.0.1", port, "GET", "/health").status == 200
        course = request("127.0.0.1", port, "GET", course_path(name))
        assert (course.status, course.body["name"]) == (200, name)
        served.ctrl_c()
        served.finish(timeout=180)
    assert served.lines[-1] == STOPPED, served.output
    assert left_behind(before) == {}, served.output
    if docker:
        assert sam_containers() == []
