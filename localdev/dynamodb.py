"""An embedded DynamoDB-compatible server (dynalite, from npm) on loopback, and the table in it.

``python -m localdev.dynamodb`` (``make dynamodb``) serves one on a chosen address until Ctrl-C: the
DynamoDB that ``sam local`` containers reach (docs/LOCAL.md, "sam local").
"""

import argparse
import errno
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import boto3
from botocore.config import Config

from localdev.processes import HOST, free_port, stop_process, wait_for_exit, wait_for_port
from localdev.template import ROOT, table_key_schema

DYNALITE = ROOT / "node_modules" / "dynalite" / "cli.js"


class PortInUse(OSError):
    """Something listens on the address and port dynalite was asked to listen on."""

    def __init__(self, host: str, port: int):
        super().__init__(f"{host}:{port} is in use")
        self.host = host
        self.port = port


def check_port_free(host: str, port: int) -> None:
    """PortInUse when something listens on ``host:port`` (as dynalite binds: SO_REUSEADDR, so that
    connections of an earlier server still closing do not count)."""
    with closing(socket.socket()) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(host, port) from None
            raise


class DataFolderUnusable(Exception):
    """dynalite cannot open its data folder: another process uses it (``in_use``), or it is damaged."""

    def __init__(self, folder: Path, in_use: bool):
        super().__init__(f"{folder}: {'in use by another process' if in_use else 'damaged'}")
        self.folder = folder
        self.in_use = in_use


def in_use_by_another_process(folder: Path) -> bool:
    """Whether another process holds the folder's LevelDB lock (a POSIX record lock on its LOCK
    file, as LevelDB takes it), as a dynalite serving from it does."""
    try:
        lock = (folder / "LOCK").open("r+")
    except OSError:  # no LOCK file (a new folder): nobody holds it
        return False
    with lock:
        try:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(lock, fcntl.LOCK_UN)
    return False


class Dynalite:
    """dynalite in a child process, on 127.0.0.1 unless ``host`` says otherwise (a container bridge's
    address, for ``sam local``). In memory, or in LevelDB under ``data_dir``.

    dynalite opens its folder only at its first request, and when it cannot (another dynalite holds
    it, or it is damaged) it prints a Node.js stack trace and exits: so ``start()`` asks it for its
    tables before it returns, and raises DataFolderUnusable instead. What dynalite prints on stderr
    is held back until then (the refusal says what it means), and passed on after.
    """

    def __init__(self, data_dir: Path | None = None, port: int | None = None, host: str = HOST):
        self.data_dir = data_dir
        self.host = host
        self.port = port or free_port()
        self._port_given = port is not None
        self.process: subprocess.Popen | None = None
        self._held: list[str] | None = None  # stderr lines held back while it starts
        self._stderr_lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://{HOST if self.host == '0.0.0.0' else self.host}:{self.port}"

    def start(self) -> "Dynalite":
        node = shutil.which("node")
        if node is None or not DYNALITE.exists():
            raise RuntimeError("dynalite is not installed: run `make install` (needs Node.js and npm)")
        if self._port_given:
            check_port_free(self.host, self.port)
        command = [node, str(DYNALITE), "--host", self.host, "--port", str(self.port), "--createTableMs", "0"]
        if self.data_dir is not None:
            if in_use_by_another_process(self.data_dir):
                raise DataFolderUnusable(self.data_dir, in_use=True)
            self.data_dir.mkdir(parents=True, exist_ok=True)
            command += ["--path", str(self.data_dir)]
        self._held = []
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._pass_stderr_on, name=f"dynalite-{self.port}-stderr", daemon=True).start()
        try:
            wait_for_port(self.port, process=self.process, host=self.host)
            if self.data_dir is not None:
                self._check_folder_opens(self.data_dir)
        except BaseException:
            self.stop()
            raise
        self._release_stderr()
        return self

    def _check_folder_opens(self, folder: Path) -> None:
        """One ListTables: dynalite opens its folder for it, or fails to and exits."""
        probe = boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30),
        )
        try:
            probe.list_tables(Limit=1)
        except Exception as error:  # the connection closed as dynalite died, or another failure
            assert self.process is not None  # started
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                raise error from None  # it runs on: not its folder, something else failed
            raise DataFolderUnusable(folder, in_use=in_use_by_another_process(folder)) from None

    def _pass_stderr_on(self) -> None:
        assert self.process is not None and self.process.stderr is not None  # started with stderr=PIPE
        for line in self.process.stderr:
            with self._stderr_lock:
                if self._held is not None:
                    self._held.append(line)
                    continue
            sys.stderr.write(line)

    def _release_stderr(self) -> None:
        with self._stderr_lock:
            held, self._held = self._held or [], None
        sys.stderr.writelines(held)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
        self.process = None

    def __enter__(self) -> "Dynalite":
        return self.start()

    def __exit__(self, *_) -> None:
        self.stop()


def client(endpoint: str):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        config=Config(retries={"max_attempts": 2}),
    )


def ensure_table(endpoint: str, table_name: str, timeout: float = 20.0, logical_id: str = "CoursesTable") -> bool:
    """Creates a table of template.yaml (its key schema; by default the courses table) unless it
    exists; True if created. TTL is not set: dynalite has none, and nothing relies on it (an
    expired idempotency record is overwritten by the next request with its key)."""
    dynamodb = client(endpoint)
    if table_name in dynamodb.list_tables()["TableNames"]:
        return False
    dynamodb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST", **table_key_schema(logical_id=logical_id)
    )
    dynamodb.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": int(timeout / 0.2)}
    )
    return True


def ensure_tables(endpoint: str, table_name: str, idempotency_table_name: str | None = None) -> list[str]:
    """The service's tables for the courses table ``table_name``: it and its idempotency table
    (by default ``<table_name>-idempotency``, the name course_service/common/settings.py derives when
    IDEMPOTENCY_TABLE_NAME is unset). Returns the names of those it created."""
    tables = {table_name: "CoursesTable", idempotency_table_name or f"{table_name}-idempotency": "IdempotencyTable"}
    return [name for name, logical_id in tables.items() if ensure_table(endpoint, name, logical_id=logical_id)]


def missing_indexes(endpoint: str, table_name: str) -> set[str]:
    """The template's indexes that the table lacks (a table created before they were declared)."""
    wanted = {index["IndexName"] for index in table_key_schema().get("GlobalSecondaryIndexes", [])}
    table = client(endpoint).describe_table(TableName=table_name)["Table"]
    return wanted - {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}


def rebuild_with_indexes(endpoint: str, table_name: str) -> bool:
    """For make run's own dynalite: a table created before template.yaml declared its indexes is
    created again with them, its items copied over and given their catalogue (ops.backfill).
    dynalite cannot add an index to a table: its UpdateTable ignores index creation. True if rebuilt.
    """
    if not missing_indexes(endpoint, table_name):
        return False
    from ops.backfill import backfill

    dynamodb = client(endpoint)
    pages = dynamodb.get_paginator("scan").paginate(TableName=table_name, ConsistentRead=True)
    items = [item for page in pages for item in page["Items"]]
    dynamodb.delete_table(TableName=table_name)
    dynamodb.get_waiter("table_not_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    ensure_table(endpoint, table_name)
    for start in range(0, len(items), 25):
        pending = {table_name: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending)["UnprocessedItems"]
    backfill(dynamodb, table_name)
    return True


def server_command(host: str, port: int, table: str, data_dir: Path | None = None) -> list[str]:
    """The command that runs this module's server (make dynamodb's), for a tool that starts its own."""
    command = [sys.executable, "-m", "localdev.dynamodb", "--host", host, "--port", str(port), "--table", table]
    return command + (["--data-dir", str(data_dir)] if data_dir is not None else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m localdev.dynamodb", description="Serves dynalite with the courses table until Ctrl-C."
    )
    parser.add_argument("--host", default=HOST, help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--table",
        default="courses-local",
        help="the courses table to create, with its idempotency table (default %(default)s)",
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the data there (default: in memory)")
    args = parser.parse_args(argv)
    # Ctrl-C, and a stop by pid, clean up alike; set here, not inherited: a script's `cmd &` starts
    # it with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with Dynalite(data_dir=args.data_dir, port=args.port, host=args.host) as dynalite:
            ensure_tables(dynalite.endpoint, args.table)
            print(f"DynamoDB (dynalite) on {dynalite.endpoint}, table {args.table}; Ctrl-C stops it.", flush=True)
            assert dynalite.process is not None  # started by the with statement
            return wait_for_exit(dynalite.process)  # only if dynalite stops by itself
    except KeyboardInterrupt:
        return 0
    except PortInUse as taken:
        print(
            f"Port {taken.port} on {taken.host} is in use, probably by another make dynamodb, make sam-invoke "
            "or make sam-api: stop that one",
            file=sys.stderr,
        )
    except DataFolderUnusable as unusable:
        folder = unusable.folder
        print(
            f"The data folder {folder} is in use, probably by another make sam-invoke or make sam-api: stop that one"
            if unusable.in_use
            else f"dynalite cannot open the data folder {folder}: it is damaged or holds no dynalite data. "
            f"Move it away to start with an empty one (mv {folder} {folder}.broken)",
            file=sys.stderr,
        )
    return 1


if __name__ == "__main__":
    sys.exit(main())
