"""A container engine for `sam local` on a machine that has none, which never touches the host's network:
`make test-sam-local` runs in it, and `make sam-invoke` and `make sam-api` without Docker.

Debian's ``docker.io``, ``containerd`` and ``runc`` packages (with ``tini`` and ``debootstrap``) are
downloaded with apt and extracted, not installed, into the cache: no service is registered or
started, nothing but apt's package lists is written outside the cache. ``dockerd`` then runs in new network, mount and PID
namespaces (``unshare``) with ``--iptables=false --ip-masq=false``: its bridge, its mounts and its
containers exist only there. Its state is a tmpfs mounted inside the namespace, so it leaves nothing
on disk, and the image ``sam local invoke`` builds at every call (the layer copied under /opt) takes
seconds instead of tens of seconds of disk syncs. ``tini`` is the namespace's first process: when it
ends, the kernel ends everything else in the namespace, so nothing outlives a run, even a killed one.
"""

import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger("sam_local")

PACKAGES = ("docker.io", "containerd", "runc", "tini", "debootstrap")
STOP_TIMEOUT = 30  # seconds dockerd has to stop its containers before the namespace is killed
_PR_SET_PDEATHSIG = 1


def cache_dir() -> Path:
    """Outside the clone, so that fresh clones (CI) reuse it: the user's cache directory."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "course-service" / "sam-local"


def run(command: list, **options) -> subprocess.CompletedProcess:
    """Runs a command, failing with its output (not a bare exit code) if it fails."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, **options)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, command))} exited with {result.returncode}:\n"
            f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result


def engine_files(cache: Path) -> Path:
    """The packages' files, extracted once into ``cache/engine`` (usr/bin/dockerd, ...)."""
    root = cache / "engine"
    if (root / ".complete").exists():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root, ignore_errors=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=cache, prefix="engine-") as tmp:
        run(["apt-get", "update", "-qq"])
        # As root, apt downloads as the _apt user, who cannot write here: download as root instead.
        run(["apt-get", "download", "-qq", "-o", "APT::Sandbox::User=root", *PACKAGES], cwd=tmp)
        staging = Path(tmp) / "root"
        for deb in sorted(Path(tmp).glob("*.deb")):
            run(["dpkg-deb", "-x", deb, staging])
        (staging / ".complete").touch()
        staging.rename(root)
    log.info("container engine extracted from Debian packages in %.0f s", time.monotonic() - started)
    return root


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the process that started it dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class PrivateEngine:
    """dockerd in private namespaces; ``enter()`` prefixes a command to run it in them too."""

    def __init__(self, engine: Path, workdir: Path):
        self.engine = engine
        self.workdir = workdir
        self.socket = workdir / "docker.sock"
        self.docker_host = f"unix://{self.socket}"
        self.process: subprocess.Popen | None = None
        self.init_pid: int | None = None

    @property
    def path(self) -> str:
        """PATH with the engine's binaries first (dockerd finds containerd, runc, docker-proxy there)."""
        return f"{self.engine / 'usr/bin'}:{self.engine / 'usr/sbin'}:{os.environ['PATH']}"

    def start(self) -> "PrivateEngine":
        data = self.workdir / "data"
        data.mkdir()
        config = self.workdir / "daemon.json"
        config.write_text("{}")  # not the host's /etc/docker/daemon.json
        # Runs as the namespace's first process's child: loopback up, the tmpfs, then dockerd.
        script = (
            'ip link set lo up && mount -t tmpfs -o size=8g,mode=0700 course-service-engine "$1" && '
            'exec dockerd --config-file "$2" --data-root "$1" --exec-root "$3" --pidfile "$3/dockerd.pid" '
            '--host "$4" --iptables=false --ip-masq=false --log-level=warn'
        )
        command = [
            "unshare",
            "--net",
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc",
            "--kill-child",
            "--",
            self.engine / "usr/bin/tini",
            "-s",
            "--",
            "sh",
            "-c",
            script,
            "sh",
            data,
            config,
            self.workdir / "exec",
            self.docker_host,
        ]
        self.log_file = (self.workdir / "dockerd.log").open("w")
        self.process = subprocess.Popen(
            [str(c) for c in command],
            env={**os.environ, "PATH": self.path},
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
            # Out of the terminal's process group: Ctrl-C reaches whoever started it, which stops
            # what runs in it first (the SAM CLI removes its containers), then the engine.
            start_new_session=True,
        )
        try:
            self.init_pid = self._namespace_init()
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        log.info("dockerd ready in private namespaces (init pid %s), %s", self.init_pid, self.docker_host)
        return self

    def _namespace_init(self, timeout: float = 10) -> int:
        """tini's pid: unshare's only child."""
        assert self.process is not None, "started first"
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"unshare exited with {self.process.returncode}: {self.dockerd_log()}")
            pids = children.read_text().split() if children.exists() else []
            if pids:
                return int(pids[0])
            time.sleep(0.02)
        raise TimeoutError("the namespace's first process did not start")

    def _wait_until_ready(self, timeout: float = 60) -> None:
        assert self.process is not None, "started first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dockerd exited with {self.process.returncode}: {self.dockerd_log()}")
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.settimeout(2)
                    probe.connect(str(self.socket))
                    probe.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                    if probe.recv(64).startswith(b"HTTP/1.0 200"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"dockerd not ready after {timeout} s: {self.dockerd_log()}")

    def dockerd_log(self) -> str:
        path = self.workdir / "dockerd.log"
        return path.read_text()[-3000:] if path.exists() else ""

    @property
    def network_namespace(self) -> Path:
        """The namespaces' network, for setns(2): where the bridge and the containers are."""
        return Path(f"/proc/{self.init_pid}/ns/net")

    def enter(self, command: list, cwd: Path, pid: bool = True) -> list[str]:
        """``command`` run in ``cwd`` inside the namespaces: it sees the engine's bridge, and (``pid``)
        ends with them. Entering the PID namespace, nsenter forks and waits for ``command``, and a
        signal to nsenter does not reach it; with ``pid=False`` nsenter becomes ``command`` (its pid
        is the command's, and its signals are), which then ends only by itself."""
        return [
            "nsenter",
            f"--target={self.init_pid}",
            "--net",
            "--mount",
            *(["--pid"] if pid else []),
            f"--wd={cwd}",
            "--",
            *map(str, command),
        ]

    def docker(self, *args, **options) -> subprocess.CompletedProcess:
        """The engine's docker client (a unix socket works across network namespaces)."""
        env = {**os.environ, "DOCKER_HOST": self.docker_host, "PATH": self.path}
        return run([self.engine / "usr/bin/docker", *args], env=env, **options)

    def stop(self) -> None:
        """SIGTERM to the namespace's first process (tini passes it on: dockerd stops its containers);
        SIGKILL if it has not ended in time, which ends everything left in the namespace."""
        if self.process is None:
            return
        if self.process.poll() is None and self.init_pid is not None:
            try:
                os.kill(self.init_pid, signal.SIGTERM)
                self.process.wait(timeout=STOP_TIMEOUT)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                log.warning("dockerd did not stop in %s s: killing its namespace", STOP_TIMEOUT)
        if self.process.poll() is None:
            self.process.kill()  # unshare --kill-child: its child, tini, gets SIGKILL
            self.process.wait()
        self.log_file.close()
        self.process = None

    def __enter__(self) -> "PrivateEngine":
        return self.start()

    def __exit__(self, *_) -> None:
        self.stop()
