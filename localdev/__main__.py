"""``python -m localdev``: serve template.yaml's API on http://127.0.0.1:3000 (what `make run` runs).

Without DYNAMODB_ENDPOINT it starts dynalite on loopback, keeping its data in .data/dynalite (so it
survives a restart); with DYNAMODB_ENDPOINT=<url> it uses that endpoint (DynamoDB Local, a real table).

What a person at the keyboard meets: when it cannot serve (its port taken, a data folder dynalite
cannot open) it says why and what to do in one line and exits with 1, having started nothing it
leaves behind; an endpoint that does not answer is named at start; Ctrl-C, at any moment, stops
everything it started and prints one line.
"""

import argparse
import errno
import os
import signal
import socket
import sys
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

LOCAL_DEFAULTS = {
    "TABLE_NAME": "courses-local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
STOPPED = "Stopped."
ANOTHER_DATA_DIR = "make run DATA_DIR=.data/another"


class CannotServe(Exception):
    """Why it cannot serve, and the fix, in one line for the person who ran it."""


def local_environment() -> dict[str, str]:
    """The functions' environment from template.yaml's Globals, with local values for intrinsics."""
    from localdev.template import function_environment

    env = {k: v for k, v in function_environment().items() if isinstance(v, str)}
    env.update(LOCAL_DEFAULTS)
    return env


def _interrupted(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C (or SIGTERM): stop; a second one must not cut the clean-up short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        serve(_arguments(argv))
    except KeyboardInterrupt:
        print(STOPPED, flush=True)
    except CannotServe as refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 1
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localdev", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=3000, help="port to listen on (default %(default)s)")
    parser.add_argument("--data-dir", type=Path, help="dynalite's data folder (default .data/dynalite)")
    parser.add_argument("--max-instances", type=int, default=8, help="warm instances per function at most")
    return parser.parse_args(argv)


def serve(args: argparse.Namespace) -> None:
    """Serves until Ctrl-C (KeyboardInterrupt), then stops what it started, the last started first."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("pynamodb").setLevel(logging.WARNING)
    for key, value in local_environment().items():
        os.environ.setdefault(key, value)
    # dynalite and DynamoDB Local accept any credentials; a developer's real ones are kept if set.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")

    from localdev.dynamodb import DataFolderUnusable, Dynalite
    from localdev.gateway import LocalApi, bind
    from localdev.template import ROOT

    data_dir = args.data_dir or ROOT / ".data" / "dynalite"
    with ExitStack() as running:
        try:  # first, so that a port in use stops it before anything starts
            server = bind(args.host, args.port)
        except OSError as error:
            raise CannotServe(_cannot_listen(args.host, args.port, error)) from None
        running.callback(server.server_close)
        dynalite = None
        if not os.environ.get("DYNAMODB_ENDPOINT"):
            try:
                dynalite = Dynalite(data_dir=data_dir).start()
            except DataFolderUnusable as unusable:
                raise CannotServe(_cannot_open(_shown(unusable.folder), unusable.in_use)) from None
            running.callback(dynalite.stop)
            os.environ["DYNAMODB_ENDPOINT"] = dynalite.endpoint
        table = os.environ["TABLE_NAME"]
        _prepare_tables(os.environ["DYNAMODB_ENDPOINT"], table, dynalite)
        api = LocalApi(max_instances=args.max_instances)
        running.callback(api.stop)
        print(f"Starting one instance of each of the {len(api.functions)} functions ...", flush=True)
        api.warm_up()  # import every handler now: a broken one fails here, not at its first request
        try:
            server.listen(api)
        except OSError as error:  # another server started listening on the port meanwhile
            raise CannotServe(_cannot_listen(args.host, args.port, error)) from None
        url = f"http://{args.host}:{server.server_address[1]}"
        where = f"dynalite, data in {_shown(data_dir)}" if dynalite else os.environ["DYNAMODB_ENDPOINT"]
        print(f"Course Service on {url}  (table {table} on {where})", flush=True)
        for route in api.routes:
            print(f"  {route.method:<6} {url}{route.resource}  -> {route.function}", flush=True)
        print("Ctrl-C stops it.", flush=True)
        server.serve_forever()


def _prepare_tables(endpoint: str, table: str, dynalite: object | None) -> None:
    """Creates the tables it lacks, and says what it cannot fix; an endpoint down now may be up later,
    so it serves anyway (GET /health answers 200 once the table answers)."""
    from botocore.exceptions import ConnectionError, HTTPClientError

    from localdev.dynamodb import ensure_tables, missing_indexes, rebuild_with_indexes

    try:
        created = ensure_tables(endpoint, table, os.environ.get("IDEMPOTENCY_TABLE_NAME"))
        for name in created:
            print(f"Created table {name}", flush=True)
        if table in created:
            return
        if dynalite is not None and rebuild_with_indexes(endpoint, table):
            print(f"Rebuilt table {table} with the indexes GET /courses reads, its courses kept", flush=True)
        elif missing := missing_indexes(endpoint, table):
            print(
                f"Table {table} lacks the indexes {sorted(missing)}: GET /courses fails until it has them "
                "(docs/DECISIONS.md, upgrading a stack)",
                flush=True,
            )
    except (ConnectionError, HTTPClientError) as error:  # refused, timed out, closed
        print(
            f"DYNAMODB_ENDPOINT={endpoint} does not answer ({type(error).__name__}): start the DynamoDB it "
            "names (make dynamodb serves one on http://127.0.0.1:8000), or unset it to use make run's own "
            "dynalite. Serving anyway: requests answer 503 until it answers.",
            file=sys.stderr,
            flush=True,
        )
    except Exception as error:  # it answered, with an error: its text may name AWS identifiers
        code = (getattr(error, "response", None) or {}).get("Error", {}).get("Code") or type(error).__name__
        print(
            f"Could not check or create table {table} at DYNAMODB_ENDPOINT={endpoint}: {code}. "
            "Serving anyway: GET /health answers 200 once the table answers.",
            file=sys.stderr,
            flush=True,
        )


def _cannot_listen(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        from localdev.processes import free_port_after

        free = free_port_after(port, host)
        fix = f"make run PORT={free}" if free else "make run PORT=<another port>"
        return f"Port {port} on {host} is in use, probably by another make run: stop that one, or choose another port: {fix}"
    if error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
        return (
            f"Cannot listen on {host}: this machine has no such address. Use one it has: "
            "make run HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0 (every interface)"
        )
    return f"Cannot listen on {host}:{port}: {error.strerror or error}. Choose another port: make run PORT=3000"


def _cannot_open(folder: str, in_use: bool) -> str:
    if in_use:
        return (
            f"The data folder {folder} is in use, probably by another make run (dynalite locks it): "
            f"stop that one, or give this one a folder of its own: {ANOTHER_DATA_DIR}"
        )
    return (
        f"dynalite cannot open the data folder {folder}: it is damaged or holds no dynalite data. "
        f"Move it away to start with an empty one (mv {folder} {folder}.broken), or use another: {ANOTHER_DATA_DIR}"
    )


def _shown(path: Path) -> str:
    """``path`` as a person would type it here: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
