"""`make dynamodb` (python -m localdev.dynamodb): the local DynamoDB that `sam local` containers reach."""

import ctypes
import os
import platform
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import pytest

from localdev.dynamodb import client
from localdev.processes import first_line, free_port
from tests.root import ROOT


@contextmanager
def serving(table: str, *arguments: str, **popen: Any) -> Iterator[tuple[subprocess.Popen, str]]:
    """``python -m localdev.dynamodb`` for ``table``, and its ready line; the block must stop it.

    After the block: it has stopped within 15 s, with status 0 and no traceback (a server that did
    not is killed: nothing outlives the test).
    """
    command = [sys.executable, "-m", "localdev.dynamodb", "--table", table, *arguments]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)
    try:
        yield process, first_line(process)  # printed once the table exists
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "Traceback" not in output


def test_serves_the_courses_table_on_the_given_address_until_interrupted():
    port = free_port()
    with serving("courses-command", "--host", "127.0.0.1", "--port", str(port)) as (process, ready):
        endpoint = f"http://127.0.0.1:{port}"
        assert f"{endpoint}, table courses-command" in ready
        table = client(endpoint).describe_table(TableName="courses-command")["Table"]
        assert table["KeySchema"] == [{"AttributeName": "name", "KeyType": "HASH"}]
        process.send_signal(signal.SIGINT)


def test_stops_on_ctrl_c_when_started_as_a_background_job_of_a_script():
    """A shell without job control starts ``cmd &`` with SIGINT ignored, and Python then installs no
    handler for it: ``make dynamodb &`` in a script could not be stopped with ``kill -INT``."""
    as_in_a_script = lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)  # noqa: E731  (what `&` does)
    with serving("courses-background", "--port", str(free_port()), preexec_fn=as_in_a_script) as (process, ready):
        assert "table courses-background" in ready
        process.send_signal(signal.SIGINT)


TGKILL = {"x86_64": 234, "aarch64": 131}.get(platform.machine())  # the tgkill system call's number


@pytest.mark.skipif(not sys.platform.startswith("linux") or TGKILL is None, reason="tgkill is Linux's")
def test_stops_on_an_interrupt_that_the_kernel_hands_to_another_of_its_threads():
    """A process-wide signal goes to any thread that does not block it; Python runs its handler in
    the main thread only when that thread next runs Python code, which a main thread blocked in a
    plain wait() never does. tgkill hands the signal to the other thread, as the kernel may."""
    with serving("courses-thread", "--port", str(free_port())) as (process, ready):
        assert "table courses-thread" in ready
        threads = sorted(int(tid) for tid in os.listdir(f"/proc/{process.pid}/task") if int(tid) != process.pid)
        assert threads, "the server has a thread besides its main one (dynalite's output reader)"
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.syscall(TGKILL, process.pid, threads[0], signal.SIGINT) == 0, os.strerror(ctypes.get_errno())


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
