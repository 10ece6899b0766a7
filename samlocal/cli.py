"""``make sam-invoke`` and ``make sam-api`` (``python -m samlocal``): the SAM CLI's
``sam local invoke`` and ``sam local start-api`` on what ``make sam-build`` built, by hand, on any
machine this project runs on (docs/LOCAL.md, "sam local").

- With a Docker engine (``docker info`` answers), the SAM CLI uses it, and pulls AWS's image.
- Without one, the project's own engine (samlocal/container_engine.py, what ``make test-sam-local``
  runs in; it needs root) with the stand-in image (samlocal/lambda_image.py), both made on first use
  and cached outside the clone. The SAM CLI runs inside the engine's namespaces; ``make sam-api``'s
  port is forwarded to them from 127.0.0.1 here.

Either way the containers reach a dynalite (``make dynamodb``'s command) at
``host.docker.internal:8000`` (samlocal/sam-local-env.json), on the engine's bridge, keeping its
data in .data/sam-local, so that an invoke sees what the one before it wrote. It prints each
command it runs; when the SAM CLI ends, or at Ctrl-C, it stops everything it started, the SAM
CLI first (it removes its containers), and nothing is left running.
"""

import argparse
import ctypes
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, closing, suppress
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from localdev.doctor import host_architecture, sam_local_engine_missing
from localdev.dynamodb import ensure_tables, server_command
from localdev.processes import first_line, free_port_after, wait_for_exit
from localdev.template import ROOT

BUILT = Path(".aws-sam") / "build"
ENV_VARS = Path("samlocal") / "sam-local-env.json"
SAM_ENV = json.loads((ROOT / ENV_VARS).read_text())["Parameters"]
DYNAMODB_PORT = urlsplit(SAM_ENV["DYNAMODB_ENDPOINT"]).port or 8000
TABLE = SAM_ENV["TABLE_NAME"]
STOPPED = "Stopped."
STOP_TIMEOUT = 60.0  # seconds the SAM CLI has to remove its containers
READY_TIMEOUT = 300.0  # seconds for start-api's first answer: it starts a container per function first
# Linux's numbers (linux/prctl.h, linux/sched.h)
_PR_SET_PDEATHSIG = 1
_CLONE_NEWNET = 0x40000000


class CannotRun(Exception):
    """Why it cannot run, and the fix, in one line for the person who ran it."""


def _say(line: str) -> None:
    print(line, flush=True)


def _shown(command: list[str]) -> str:
    """A command as a person would type it here: paths under the clone relative to it."""
    return shlex.join(os.path.relpath(word, ROOT) if word.startswith(f"{ROOT}/") else word for word in command)


def _stop_on_parent_death() -> None:
    """In a child, before exec: SIGTERM (clean up, as at Ctrl-C) if this process dies, even killed."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_group(process: subprocess.Popen, how: signal.Signals = signal.SIGINT, timeout: float = STOP_TIMEOUT) -> None:
    """Stops a child started in a process group of its own, and what it started in that group:
    ``how`` to the group, then SIGKILL if it has not ended within ``timeout`` seconds."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, how)
            process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Engine:
    """Where containers run: a Docker engine here, or the project's own in private namespaces."""

    description = ""
    skip_pull_image = False

    def command(self, command: list[str]) -> list[str]:
        """``command`` as it must be run to share the containers' network."""
        return command

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def bridge_address(self) -> str:
        """Where `host.docker.internal:host-gateway` leads from a container (the DynamoDB listens there)."""
        raise NotImplementedError

    def answers(self, port: int) -> bool:
        """Whether something listens on 127.0.0.1:``port`` where the SAM CLI runs."""
        return _connects("127.0.0.1", port)

    def start_api_port(self, port: int, stack: ExitStack) -> None:
        """Makes 127.0.0.1:``port`` here lead to the SAM CLI's: it listens here itself."""


def _docker0_address(run: Callable[..., subprocess.CompletedProcess]) -> str | None:
    """docker0's IPv4 address, as ``run`` (subprocess.run, or one inside the engine) finds it."""
    try:
        shown = run(["ip", "-4", "-o", "address", "show", "docker0"], capture_output=True, text=True, timeout=30)
    except OSError:  # no `ip` here (not Linux)
        return None
    words = shown.stdout.split()
    return words[words.index("inet") + 1].split("/")[0] if "inet" in words else None


def _connects(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def check_port_free(port: int) -> None:
    """CannotRun, before anything starts, when 127.0.0.1:``port`` is taken."""
    with closing(socket.socket()) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise CannotRun(_port_in_use(port)) from None


def _port_in_use(port: int) -> str:
    free = free_port_after(port)
    return (
        f"Port {port} on 127.0.0.1 is in use, probably by make run or another make sam-api: stop that one, "
        f"or choose another port: make sam-api PORT={free or '<another port>'}"
    )


class DockerEngine(Engine):
    """A Docker engine that ``docker info`` reaches: the SAM CLI uses it as it is."""

    def __init__(self, version: str):
        self.description = f"Docker {version}"

    def bridge_address(self) -> str:
        # On Linux Docker's bridge is an interface of this machine, where host-gateway leads; Docker
        # Desktop's is in its VM, and maps host-gateway to this machine itself.
        return _docker0_address(subprocess.run) or "127.0.0.1"


class OwnEngine(Engine):
    """The project's own engine (samlocal/container_engine.py) with the stand-in image, for the
    SAM CLI of ``sam``; the SAM CLI and the DynamoDB run in its network (and mount) namespace."""

    skip_pull_image = True

    def __init__(self, sam: str, architecture: str, stack: ExitStack):
        from samlocal.container_engine import PrivateEngine, cache_dir, engine_files
        from samlocal.lambda_image import image_name, import_image, root_filesystem

        cache = cache_dir()
        self.description = f"the project's own container engine (no Docker here; cached in {cache})"
        if not (cache / "engine" / ".complete").exists():
            _say("Making the project's container engine and stand-in image, once (about a minute) ...")
        files = engine_files(cache)
        rootfs = root_filesystem(cache, files, architecture)
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="course-service-sam-local-"))
        self.engine = stack.enter_context(PrivateEngine(files, Path(workdir)))
        import_image(self.engine, rootfs, image_name(str(Path(sam).parent / "python"), architecture))

    def command(self, command: list[str]) -> list[str]:
        # Not in the engine's PID namespace: signals to the process started are the command's (the
        # SAM CLI's Ctrl-C, so that it removes its containers before the engine stops).
        return self.engine.enter(command, cwd=ROOT, pid=False)

    def environment(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.engine.docker_host, "PATH": self.engine.path}

    def bridge_address(self) -> str:
        address = _docker0_address(lambda command, **options: subprocess.run(self.command(command), **options))
        if not address:
            raise CannotRun("The project's container engine has no bridge (docker0): see make doctor")
        return address

    def answers(self, port: int) -> bool:
        answered: list[bool] = []

        def probe() -> None:
            _enter_network_namespace(self.engine.network_namespace)
            answered.append(Engine.answers(self, port))

        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        thread.join(timeout=5)
        return bool(answered and answered[0])

    def start_api_port(self, port: int, stack: ExitStack) -> None:
        try:
            forward = PortForward(port, self.engine.network_namespace)
        except OSError:
            raise CannotRun(_port_in_use(port)) from None
        stack.callback(forward.close)


def _enter_network_namespace(namespace: Path) -> None:
    """Moves the calling thread (only it) into ``namespace``: sockets it makes from now on are there."""
    with namespace.open() as handle:
        if ctypes.CDLL(None, use_errno=True).setns(handle.fileno(), _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")


class PortForward:
    """127.0.0.1:``port`` here, forwarded to 127.0.0.1:``port`` in a network namespace: each
    connection accepted here is joined to one made there by a thread that entered it."""

    def __init__(self, port: int, namespace: Path):
        self.port = port
        self.namespace = namespace
        self.listener = socket.create_server(("127.0.0.1", port))
        threading.Thread(target=self._accept, name=f"forward-{port}", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed: the forward ends
                return
            threading.Thread(target=self._join, args=(client,), daemon=True).start()

    def _join(self, client: socket.socket) -> None:
        with client:
            _enter_network_namespace(self.namespace)
            try:
                inside = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            except OSError:
                return
            with inside:
                inside.settimeout(None)
                back = threading.Thread(target=_copy, args=(inside, client), daemon=True)
                back.start()
                _copy(client, inside)
                back.join()

    def close(self) -> None:
        self.listener.close()


def _copy(source: socket.socket, target: socket.socket) -> None:
    """Copies until ``source`` ends, then ends ``target``'s sending side."""
    with suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def docker_version() -> str | None:
    """The Docker engine's version, if one answers (``docker info``, with DOCKER_HOST if set)."""
    from localdev.doctor import version_of

    return version_of(["docker", "info", "--format", "{{.ServerVersion}}"])


def choose_engine(sam: str, architecture: str, stack: ExitStack) -> Engine:
    if version := docker_version():
        return DockerEngine(version)
    if missing := sam_local_engine_missing():
        raise CannotRun(
            "No Docker engine answers here (docker info), and the project's own needs "
            f"{', '.join(missing)}: start Docker, or run as root on a Debian-based machine (make doctor)"
        )
    return OwnEngine(sam, architecture, stack)


def check_built(architecture: str) -> None:
    """What `make sam-build` builds is there, for this machine's architecture."""
    if not (ROOT / BUILT / "template.yaml").exists():
        raise CannotRun(f"Nothing built in {BUILT} yet: make sam-build first")
    machine = {"x86_64": "x86_64", "arm64": "aarch64"}[architecture]
    compiled = {path.name for path in (ROOT / BUILT).rglob("*-linux-gnu.so")}
    if compiled and not any(machine in name for name in compiled):
        raise CannotRun(
            f"{BUILT} holds a build for another architecture (make build builds arm64, for deploying): "
            f"make sam-build builds for this machine ({architecture})"
        )


def start_dynamodb(engine: Engine, data_dir: Path, stack: ExitStack) -> None:
    """`make dynamodb`'s command on the engine's bridge, at the port and table the env-vars file
    names, unless a DynamoDB already answers there (`make dynamodb` in another terminal)."""
    host = engine.bridge_address()
    endpoint = f"http://{host}:{DYNAMODB_PORT}"
    if isinstance(engine, DockerEngine) and _connects(host, DYNAMODB_PORT):
        try:
            ensure_tables(endpoint, TABLE)
        except Exception:
            raise CannotRun(
                f"Port {DYNAMODB_PORT} on {host} is in use by something that is not a DynamoDB: stop it "
                f"(the containers reach their DynamoDB there, {ENV_VARS})"
            ) from None
        _say(f"The containers use the DynamoDB already on {endpoint} (make dynamodb?)")
        return
    command = server_command(host, DYNAMODB_PORT, TABLE, data_dir)
    _say(f"The containers' DynamoDB, on {endpoint}: {_shown(command)}")
    process = subprocess.Popen(
        engine.command(command),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_stop_on_parent_death,
    )
    stack.callback(stop_group, process, signal.SIGINT, 15)
    try:
        ready = first_line(process, timeout=60)  # once its tables exist; its errors go to stderr
    except TimeoutError:
        ready = ""
    if "Ctrl-C stops it" not in ready:
        raise CannotRun(f"The containers' DynamoDB did not start (above): {ready.strip() or 'no answer in 60 s'}")


def sam_command(sam: str, engine: Engine, action: list[str], architecture: str) -> list[str]:
    """The SAM CLI with the options docs/LOCAL.md gives for `sam local`."""
    return [
        sam,
        "local",
        *action,
        "--env-vars",
        str(ENV_VARS),
        "--add-host",
        "host.docker.internal:host-gateway",
        "--parameter-overrides",
        f"Architecture={architecture}",
        *(["--skip-pull-image"] if engine.skip_pull_image else []),
    ]


class SamContainers:
    """The containers a SAM CLI process creates, read from what it logs (``SAM_CONTAINER_ID: <id>``)
    as its stderr is passed on, as it comes: it does not always remove them all when it ends. With
    ``--warm-containers EAGER``, after Ctrl-C, it removed the warm containers it tracked and left
    others it had started running, in 6 of 8 runs here (aws/aws-sam-cli#6688 tells of the same)."""

    CREATED = re.compile(r"SAM_CONTAINER_ID: ([0-9a-f]{12,64})")

    def __init__(self, process: subprocess.Popen, engine: Engine):
        self.process = process
        self.engine = engine
        self.ids: list[str] = []
        self._reader = threading.Thread(target=self._pass_on, name="sam-stderr", daemon=True)
        self._reader.start()

    def _pass_on(self) -> None:
        assert self.process.stderr is not None  # started with stderr=PIPE
        pending = b""
        while chunk := os.read(self.process.stderr.fileno(), 65536):
            sys.stderr.buffer.write(chunk)  # as it comes: the SAM CLI prints progress without line ends
            sys.stderr.buffer.flush()
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if found := self.CREATED.search(line.decode(errors="replace")):
                    self.ids.append(found[1])

    def remove_those_left(self) -> None:
        """Removes those of its containers still there, once it has ended."""
        self._reader.join(timeout=30)
        env = self.engine.environment()
        listed = subprocess.run(
            ["docker", "ps", "--all", "--quiet", "--no-trunc"], capture_output=True, text=True, env=env, timeout=60
        )
        left = [id for id in self.ids if any(present.startswith(id) for present in listed.stdout.split())]
        if left:
            subprocess.run(["docker", "rm", "--force", *left], capture_output=True, env=env, timeout=120)
            _say(f"Removed {len(left)} container(s) the SAM CLI left running")


def run_sam(engine: Engine, command: list[str], stack: ExitStack, warm_containers: bool = False) -> subprocess.Popen:
    """The SAM CLI, stopped with Ctrl-C at the end (it removes its containers); with warm
    containers, those it leaves are removed after it (SamContainers). Without, its output is not
    passed on but its own: `sam local invoke` prints the function's answer on stdout, and its log on
    stderr, in that order."""
    _say(_shown(command))
    env = {**engine.environment(), "SAM_CLI_TELEMETRY": "0"}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    process = subprocess.Popen(
        engine.command(command),
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE if warm_containers else None,
        start_new_session=True,
        preexec_fn=_stop_on_parent_death,
    )
    if warm_containers:
        # Run last to first: the SAM CLI stops first, then what it left is removed.
        stack.callback(SamContainers(process, engine).remove_those_left)
    stack.callback(stop_group, process, signal.SIGINT)
    return process


def invoke(sam: str, data_dir: Path, function: str, event: str) -> int:
    architecture = host_architecture()
    check_built(architecture)
    if not (ROOT / event).is_file():
        raise CannotRun(
            f"No event file {event}: events/ holds the sample events, each for the function its name starts with (docs/LOCAL.md, sam local)"
        )
    with ExitStack() as stack:
        engine = choose_engine(sam, architecture, stack)
        _say(f"Containers: {engine.description}")
        start_dynamodb(engine, data_dir, stack)
        action = ["invoke", function, "--event", event]
        return wait_for_exit(run_sam(engine, sam_command(sam, engine, action, architecture), stack))


def start_api(sam: str, data_dir: Path, port: int) -> int:
    architecture = host_architecture()
    check_built(architecture)
    check_port_free(port)
    with ExitStack() as stack:
        engine = choose_engine(sam, architecture, stack)
        _say(f"Containers: {engine.description}")
        start_dynamodb(engine, data_dir, stack)
        action = ["start-api", "--host", "127.0.0.1", "--port", str(port), "--warm-containers", "EAGER"]
        process = run_sam(engine, sam_command(sam, engine, action, architecture), stack, warm_containers=True)
        # After the children are started: their start runs code between fork and exec (the
        # parent-death signal), which must not meet the forward's threads.
        engine.start_api_port(port, stack)
        _wait(lambda: engine.answers(port), process, READY_TIMEOUT)
        _say(f"sam local start-api on http://127.0.0.1:{port}; Ctrl-C stops it.")
        return wait_for_exit(process)


def _wait(ready: Callable[[], bool], process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise CannotRun(f"sam local start-api ended (exit {process.returncode}) before it answered (above)")
        if time.monotonic() > deadline:
            raise CannotRun(f"sam local start-api did not answer in {timeout:.0f} s (above)")
        time.sleep(0.2)


def _interrupted(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C (or SIGTERM): stop; a second one must not cut the clean-up short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samlocal", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".data/sam-local"), help="the DynamoDB's data folder")
    actions = parser.add_subparsers(dest="action", required=True)
    invoked = actions.add_parser("invoke", help="sam local invoke FUNCTION with the event in EVENT (a file)")
    invoked.add_argument("function")
    invoked.add_argument("event")
    served = actions.add_parser("start-api", help="sam local start-api on 127.0.0.1:PORT until Ctrl-C")
    served.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    sam = os.environ.get("SAM_CLI") or str(ROOT / ".tools" / "sam" / "bin" / "sam")
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        if args.action == "invoke":
            return invoke(sam, args.data_dir, args.function, args.event)
        return start_api(sam, args.data_dir, args.port)
    except KeyboardInterrupt:
        _say(STOPPED)
        return 0
    except CannotRun as refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
