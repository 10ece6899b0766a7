"""What a person at the keyboard meets with `make run` (python -m localdev): the port and address
it is given, a refusal in one line when it cannot serve (the port in use, a data folder dynalite
cannot open), a DynamoDB endpoint that does not answer named at start, and Ctrl-C, at any moment,
ending everything with one line. Each command runs as a terminal runs it (its own process group,
which Ctrl-C reaches whole), and every wait is for a line it prints, bounded."""

import json
import re
import socket
import sys
from contextlib import closing

import pytest

from localdev.processes import HOST, free_port
from localdev.server_process import LocalServer, TerminalCommand, request
from tests.integration.http_support import path_of, unique

READY = "Ctrl-C stops it."
STOPPED = "Stopped."
# Set by the `make test` that runs these tests: a person's `make run` has none of them.
OUTER_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


def localdev(*arguments: str, env: dict[str, str] | None = None) -> TerminalCommand:
    """`python -m localdev` with its own dynalite (no DYNAMODB_ENDPOINT) unless ``env`` names one."""
    return TerminalCommand([sys.executable, "-m", "localdev", *arguments], env={"DYNAMODB_ENDPOINT": "", **(env or {})})


@pytest.fixture
def listening_port():
    """A port on 127.0.0.1 that something else listens on."""
    with closing(socket.socket()) as other:
        other.bind((HOST, 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_busy_port_is_one_line_naming_it_and_the_fix_and_starts_nothing(listening_port, tmp_path):
    data = tmp_path / "data"
    with localdev("--port", str(listening_port), "--data-dir", str(data)) as command:
        code = command.finish()

        assert code != 0
        [line] = command.lines
        fix = re.fullmatch(
            f"Port {listening_port} on 127.0.0.1 is in use, probably by another make run: stop that one, "
            r"or choose another port: make run PORT=(\d+)",
            line,
        )
        assert fix, line
        with closing(socket.socket()) as probe:
            probe.bind((HOST, int(fix[1])))  # the port it suggests is free
        assert not data.exists()  # dynalite never started: it would have made its folder
        assert command.left_running() == []


def test_a_second_make_run_on_the_same_port_and_folder_says_the_port_and_leaves_the_first_serving(tmp_path):
    first = LocalServer({"DYNAMODB_ENDPOINT": ""}, data_dir=tmp_path / "data")
    try:
        with localdev("--port", str(first.port), "--data-dir", str(tmp_path / "data")) as second:
            assert second.finish() != 0
            [line] = second.lines
            assert line.startswith(f"Port {first.port} on 127.0.0.1 is in use, probably by another make run")
        assert first.request("GET", "/health").status == 200
    finally:
        first.stop()


def test_a_data_folder_another_make_run_uses_is_refused_in_one_line_naming_it_and_the_fix(tmp_path):
    data = tmp_path / "data"
    first = LocalServer({"DYNAMODB_ENDPOINT": ""}, data_dir=data)
    try:
        with localdev("--port", str(free_port()), "--data-dir", str(data)) as second:
            assert second.finish() != 0
            assert second.lines == [
                f"The data folder {data} is in use, probably by another make run (dynalite locks it): stop that one, "
                "or give this one a folder of its own: make run DATA_DIR=.data/another"
            ]
            assert second.left_running() == []
        assert first.request("GET", "/health").status == 200
    finally:
        first.stop()


def test_a_damaged_data_folder_is_refused_in_one_line_naming_it_and_the_fix(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "CURRENT").write_text("not a manifest name\n")  # LevelDB's pointer to its manifest
    with localdev("--port", str(free_port()), "--data-dir", str(data)) as command:
        assert command.finish() != 0
        assert command.lines == [
            f"dynalite cannot open the data folder {data}: it is damaged or holds no dynalite data. "
            f"Move it away to start with an empty one (mv {data} {data}.broken), "
            "or use another: make run DATA_DIR=.data/another"
        ]
        assert command.left_running() == []


def test_an_endpoint_that_does_not_answer_is_named_at_start_and_each_503_logs_one_line_with_its_code():
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    server = LocalServer({"DYNAMODB_ENDPOINT": endpoint, "TABLE_NAME": "courses-nowhere", "DYNAMODB_MAX_RETRIES": "0"})
    name = unique("Secret")
    try:
        assert server.request("GET", path_of(name)).status == 503
        assert server.request("GET", "/health").status == 503
    finally:
        printed = server.stop()

    assert (
        f"DYNAMODB_ENDPOINT={endpoint} does not answer (EndpointConnectionError): start the DynamoDB it names "
        "(make dynamodb serves one on http://127.0.0.1:8000), or unset it to use make run's own dynalite. "
        "Serving anyway: requests answer 503 until it answers." in printed.splitlines()
    )
    logged = [json.loads(line) for line in printed.splitlines() if line.startswith('{"level"')]
    warnings = [line for line in logged if line["level"] == "WARNING"]
    assert [(line["message"], line["error"], line["error_code"]) for line in warnings] == [
        ("DynamoDB unavailable", "StoreUnavailable", "EndpointConnectionError")
    ] * 2
    assert "Traceback" not in printed
    assert name not in printed


@pytest.mark.parametrize(
    "moment",
    ["Created table", "Starting one instance of each", READY],
    ids=["while it creates the tables", "during warm-up", "while it serves"],
)
def test_ctrl_c_at_any_moment_ends_everything_with_one_line(tmp_path, moment):
    with localdev("--port", str(free_port()), "--data-dir", str(tmp_path / "data")) as command:
        seen = command.wait_for(moment)
        command.ctrl_c()
        code = command.finish()

        assert code == 0, command.output
        assert command.lines[-1] == STOPPED, command.output
        assert command.lines.count(STOPPED) == 1
        assert "Traceback" not in command.output and "Error" not in command.output, command.output
        assert command.left_running() == []
        if moment == READY:
            assert command.lines[seen + 1 :] == [STOPPED]


def test_make_run_serves_on_the_port_and_address_it_is_given_and_ctrl_c_ends_it_in_one_line(tmp_path):
    port = free_port()
    make = ["make", "run", f"PORT={port}", "HOST=127.0.0.1", f"DATA_DIR={tmp_path / 'data'}"]
    with TerminalCommand(make, env={"DYNAMODB_ENDPOINT": ""}, unset=OUTER_MAKE) as command:
        command.wait_for(READY, timeout=180)
        assert any(line.startswith(f"Course Service on http://127.0.0.1:{port} ") for line in command.lines)
        assert request(HOST, port, "GET", "/health").status == 200
        logged = command.wait_for("localdev GET /health 200")  # the access log's line for it
        command.ctrl_c()
        command.finish()

        assert command.lines[logged + 1 :] == [STOPPED]  # make adds nothing: the server ended well
        assert command.left_running() == []
    assert (tmp_path / "data").is_dir()
