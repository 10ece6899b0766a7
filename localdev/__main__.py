"""``python -m localdev``: serve template.yaml's API on http://127.0.0.1:3000 (what `make run` runs).

Without DYNAMODB_ENDPOINT it starts dynalite on loopback, keeping its data in .data/dynalite (so it
survives a restart); with DYNAMODB_ENDPOINT=<url> it uses that endpoint (DynamoDB Local, a real table).
"""

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from localdev.template import ROOT, function_environment

LOCAL_DEFAULTS = {
    "TABLE_NAME": "courses-local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def local_environment() -> dict[str, str]:
    """The functions' environment from template.yaml's Globals, with local values for intrinsics."""
    env = {k: v for k, v in function_environment().items() if isinstance(v, str)}
    env.update(LOCAL_DEFAULTS)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localdev", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--data-dir", default=str(ROOT / ".data" / "dynalite"), help="dynalite's data folder")
    parser.add_argument("--max-instances", type=int, default=8, help="warm instances per function at most")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("pynamodb").setLevel(logging.WARNING)

    for key, value in local_environment().items():
        os.environ.setdefault(key, value)
    # dynalite and DynamoDB Local accept any credentials; a developer's real ones are kept if set.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")

    from localdev.dynamodb import (
        Dynalite,
        ensure_tables,
        missing_indexes,
        rebuild_with_indexes,
    )
    from localdev.gateway import LocalApi, make_server

    dynalite = None
    if not os.environ.get("DYNAMODB_ENDPOINT"):
        dynalite = Dynalite(data_dir=Path(args.data_dir)).start()
        os.environ["DYNAMODB_ENDPOINT"] = dynalite.endpoint
    try:
        table = os.environ["TABLE_NAME"]
        try:
            created = ensure_tables(os.environ["DYNAMODB_ENDPOINT"], table, os.environ.get("IDEMPOTENCY_TABLE_NAME"))
            for name in created:
                print(f"Created table {name}", flush=True)
            old_table = table not in created
            if old_table and dynalite is not None and rebuild_with_indexes(dynalite.endpoint, table):
                print(f"Rebuilt table {table} with the indexes GET /courses reads, its courses kept", flush=True)
            elif old_table and (missing := missing_indexes(os.environ["DYNAMODB_ENDPOINT"], table)):
                print(
                    f"Table {table} lacks the indexes {sorted(missing)}: GET /courses fails until it has them "
                    "(README, Deploy)",
                    flush=True,
                )
        except Exception as error:  # an endpoint down now may be up later: /health will tell
            print(f"Could not check or create table {table}: {error.__class__.__name__}; serving anyway", flush=True)
        api = LocalApi(max_instances=args.max_instances)
        api.warm_up()  # import every handler now: a broken one fails here, not at its first request
        server = make_server(api, args.host, args.port)
        url = f"http://{args.host}:{server.server_address[1]}"
        where = f"dynalite, data in {args.data_dir}" if dynalite else os.environ["DYNAMODB_ENDPOINT"]
        print(f"Course Service on {url}  (table {table} on {where})", flush=True)
        for route in api.routes:
            print(f"  {route.method:<6} {url}{route.resource}  -> {route.function}", flush=True)
        print("Ctrl-C stops it.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        finally:
            server.server_close()
            api.stop()
    finally:
        if dynalite is not None:
            dynalite.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
