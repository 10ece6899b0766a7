"""The local server (`python -m localdev`, what `make run` starts) in a child process on a free
127.0.0.1 port, with a small HTTP client for it. Used by the integration tests and the load test.
And any command as a terminal runs it (TerminalCommand): what `make run` and the `sam local`
targets print, and what Ctrl-C does to them.
"""

import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

from localdev.processes import HOST, free_port, stop_process, wait_for_port
from localdev.template import ROOT

# What the server prints is kept for stop(): its first lines (URL, routes) and its last ones.
# It is read continuously: under load the access log would otherwise fill the pipe and block it.
KEPT_HEAD_LINES = 200
KEPT_TAIL_LINES = 200


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]  # lower-case names
    raw: bytes

    @property
    def body(self):
        return json.loads(self.raw)


def request(host: str, port: int, method: str, path: str, body=None, headers: dict | None = None) -> HttpReply:
    """One request; a body that is not str or bytes is sent as JSON, with a JSON Content-Type by default."""
    connection = HTTPConnection(host, port, timeout=30)
    try:
        payload = body if body is None or isinstance(body, (str, bytes)) else json.dumps(body)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        return HttpReply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


class LocalServer:
    """``python -m localdev`` on 127.0.0.1:<free port>; ``env`` overrides its environment."""

    def __init__(self, env: dict[str, str], data_dir: Path | None = None, max_instances: int = 4):
        self.host = HOST
        self.port = free_port()
        command = [sys.executable, "-m", "localdev", "--port", str(self.port), "--max-instances", str(max_instances)]
        if data_dir is not None:
            command += ["--data-dir", str(data_dir)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._head: list[str] = []
        self._tail: collections.deque[str] = collections.deque(maxlen=KEPT_TAIL_LINES)
        self._dropped = 0
        self._reader = threading.Thread(target=self._read_output, name=f"localdev-{self.port}-output", daemon=True)
        self._reader.start()
        try:
            wait_for_port(self.port, timeout=60, process=self.process)
        except Exception:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _read_output(self) -> None:
        assert self.process.stdout is not None  # started with stdout=PIPE
        for line in self.process.stdout:
            if len(self._head) < KEPT_HEAD_LINES:
                self._head.append(line)
            else:
                if len(self._tail) == self._tail.maxlen:
                    self._dropped += 1
                self._tail.append(line)

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> HttpReply:
        return request(self.host, self.port, method, path, body, headers)

    def stop(self) -> str:
        """Stops the server the way Ctrl-C does; returns what it printed (its first and last lines)."""
        stop_process(self.process, signal.SIGINT, timeout=15)
        self._reader.join(timeout=5)
        skipped = [f"... ({self._dropped} lines not kept)\n"] if self._dropped else []
        return "".join(self._head + skipped + list(self._tail))


class TerminalCommand:
    """A command run as a terminal runs it: in a process group of its own, which Ctrl-C (SIGINT to
    the group) reaches whole, its output (stdout and stderr) read line by line as it comes. Every
    wait is bounded; leaving the ``with`` block kills what is still running in the group."""

    def __init__(
        self, command: list[str], env: dict[str, str] | None = None, unset: tuple[str, ...] = (), cwd: Path = ROOT
    ):
        """``env`` adds to (or overrides) this process's environment; ``unset`` names what to leave out."""
        environment = {name: value for name, value in os.environ.items() if name not in unset}
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**environment, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._ended = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, name=f"command-{self.process.pid}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None  # started with stdout=PIPE
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60.0) -> int:
        """The index of the first line holding ``text``, once printed; TimeoutError if it is not
        printed within ``timeout`` seconds or before the output ends."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: self._ended or any(text in line for line in self.lines), timeout=timeout
            )
            for index, line in enumerate(self.lines):
                if text in line:
                    return index
        reason = "its output ended" if found else f"{timeout} s passed"
        raise TimeoutError(f"{text!r} not printed ({reason}):\n{self.output}")

    def ctrl_c(self) -> None:
        """What Ctrl-C in the terminal does: SIGINT to every process of the group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def finish(self, timeout: float = 60.0) -> int:
        """Its exit code, once it has ended and its output is read; TimeoutExpired if it runs on."""
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return code

    def left_running(self, within: float = 10.0) -> list[int]:
        """The processes of its group still running ``within`` seconds (zombies aside), [] as soon
        as none is: a child may end a moment after its parent (the fork server, once the server's
        end of their pipe is closed)."""
        deadline = time.monotonic() + within
        while (running := self._group()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return running

    def _group(self) -> list[int]:
        if not Path("/proc").is_dir():  # no process table to read: is anything left in the group?
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return []
            return [self.process.pid]
        running = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            if int(fields[2]) == self.process.pid and fields[0] != "Z":
                running.append(int(stat.parent.name))
        return running

    def __enter__(self) -> "TerminalCommand":
        return self

    def __exit__(self, *_) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._reader.join(timeout=5)
