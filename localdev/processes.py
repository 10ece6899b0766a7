"""Child processes and ports on loopback: what starting and stopping a local server takes.

Used by the local server and its DynamoDB, and by the tools and tests that start them.
"""

import selectors
import signal
import socket
import subprocess
import time
from contextlib import closing

HOST = "127.0.0.1"


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def free_port_after(port: int, host: str = HOST) -> int | None:
    """The first port after ``port`` that nothing holds now: a fix that works when pasted."""
    for candidate in range(port + 1, min(port + 100, 65536)):
        with closing(socket.socket()) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


def wait_for_port(port: int, timeout: float = 20.0, process: subprocess.Popen | None = None, host: str = HOST) -> None:
    """Returns once something accepts connections on ``host:port``; bounded by ``timeout``."""
    host = HOST if host == "0.0.0.0" else host
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before listening on {port}")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


def first_line(process: subprocess.Popen, timeout: float = 30.0) -> str:
    """The first line a child process prints on its stdout pipe; bounded by ``timeout``."""
    assert process.stdout is not None, "started without stdout=PIPE"
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise TimeoutError(f"the process printed nothing in {timeout} s")
    return process.stdout.readline()


def stop_process(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM, timeout: float = 5.0) -> None:
    """Asks a child process to stop (``how``), and kills it if it has not within ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(how)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_exit(process: subprocess.Popen) -> int:
    """Waits for a child process to end, in steps short enough that Ctrl-C is handled.

    The kernel may hand a process-wide SIGINT or SIGTERM to any thread, and Python runs its handler
    in the main thread only when that thread runs Python code again: a plain ``wait()`` there, with
    other threads alive, would wait on through the interrupt.
    """
    while True:
        try:
            return process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue
