"""`make dynamodb` (python -m localdev.dynamodb): the local DynamoDB that `sam local` containers reach."""

import signal
import socket
import subprocess
import sys
from contextlib import closing

from localdev.dynamodb import client
from localdev.processes import first_line, free_port
from tests.root import ROOT


def test_serves_the_courses_table_on_the_given_address_until_interrupted():
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "localdev.dynamodb",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--table",
        "courses-command",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready = first_line(process)  # printed once the table exists
        endpoint = f"http://127.0.0.1:{port}"
        assert f"{endpoint}, table courses-command" in ready
        table = client(endpoint).describe_table(TableName="courses-command")["Table"]
        assert table["KeySchema"] == [{"AttributeName": "name", "KeyType": "HASH"}]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)

    assert process.returncode == 0, output
    assert "Traceback" not in output


def test_a_port_in_use_is_one_line_and_exit_1():
    with closing(socket.socket()) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        command = [sys.executable, "-m", "localdev.dynamodb", "--host", "127.0.0.1", "--port", str(port)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert (done.stdout, done.stderr) == (
        "",
        f"Port {port} on 127.0.0.1 is in use, probably by another make dynamodb, make sam-invoke or make sam-api: "
        "stop that one\n",
    )
