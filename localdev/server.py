"""An HTTP server that answers like API Gateway in front of warm Lambda instances.

Every request becomes an API Gateway REST proxy event for the function whose route matches (routes
come from template.yaml). Each function keeps a pool of warm instances; each instance is its own
process that imported the handler once and handles one request at a time, as a Lambda instance
does. Concurrent requests get more instances (cold starts), up to ``max_instances``. IAM
authorization, throttling and stages are not enforced.

Instances must be processes, not threads: Powertools keeps the event being resolved in a class
attribute (``BaseRouter.current_event``) that every resolver of a process shares, so two requests
resolved at once in one process can swap events (tests/unit/test_concurrency.py shows it).
"""

import base64
import json
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from localdev import template
from localdev.runtime import LambdaContext, api_event, load_handler, put_layers_on_path
from localdev.template import Route, routes

log = logging.getLogger("localdev")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
# Instances are forked from a single-threaded fork server that has already imported the shared
# layer (forking this threaded HTTP server itself could copy held locks): a new instance then
# costs milliseconds, not a full cold start; bench/ measures real cold starts.
_processes = multiprocessing.get_context("forkserver")
_processes.set_forkserver_preload(["course_service.api", "course_service.courses"])


def _serve_invocations(code_uri: Path, handler: str, function: str, timeout: float, channel: Connection) -> None:
    """An instance's life: import the handler once (the cold start), then answer events until told to stop."""
    # Ctrl-C reaches the whole process group; the server stops its instances itself, in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lambda_handler = load_handler(code_uri, handler)
    channel.send("ready")
    while (event := channel.recv()) is not None:
        try:
            result = lambda_handler(event, LambdaContext(function_name=function, timeout_seconds=timeout))
        except Exception:  # what Lambda reports to API Gateway, which then answers 502
            log.exception("%s raised", function)
            result = {"statusCode": 502, "body": json.dumps({"message": "Internal server error"})}
        channel.send(result)


class Instance:
    def __init__(self, route: Route, timeout: float):
        self.timeout = timeout
        self._channel, child = _processes.Pipe()
        self.process = _processes.Process(
            target=_serve_invocations,
            args=(route.code_uri, route.handler, route.function, timeout, child),
            daemon=True,
            name=f"{route.function}-instance",
        )
        self.process.start()
        if not self._channel.poll(60) or self._channel.recv() != "ready":
            self.stop()
            raise RuntimeError(f"{route.function} did not start")

    def invoke(self, event: dict) -> dict | None:
        """The handler's result, or None when it ran past the function timeout (the instance is then gone)."""
        self._channel.send(event)
        if self._channel.poll(self.timeout):
            return self._channel.recv()
        self.stop()
        return None

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self._channel.send(None)
            except OSError:
                pass
            self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class FunctionInstances:
    """Warm instances of one function: reused when idle, a new one (a cold start) when all are busy."""

    def __init__(self, route: Route, max_instances: int, timeout: float):
        self.route = route
        self.max_instances = max_instances
        self.timeout = timeout
        self._idle: queue.LifoQueue[Instance] = queue.LifoQueue()
        self._all: list[Instance] = []
        self._starting = 0  # instances being started: counted against max_instances already
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            self._starting += 1
        self._idle.put(self._new())

    def _new(self) -> Instance:
        """Starts an instance whose slot the caller reserved (``_starting``)."""
        try:
            instance = Instance(self.route, self.timeout)
        finally:
            with self._lock:
                self._starting -= 1
        with self._lock:
            self._all.append(instance)
        return instance

    def _take(self, wait: float) -> Instance:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                grow = len(self._all) + self._starting < self.max_instances
                if grow:
                    self._starting += 1
        return self._new() if grow else self._idle.get(timeout=wait)

    def invoke(self, event: dict, wait: float = 30.0) -> dict | None:
        instance = self._take(wait)
        result = instance.invoke(event)
        if result is None:
            with self._lock:
                self._all.remove(instance)
        else:
            self._idle.put(instance)
        return result

    def stop(self) -> None:
        with self._lock:
            instances, self._all = self._all, []
        for instance in instances:
            instance.stop()


class LocalApi:
    def __init__(self, api_routes: list[Route] | None = None, max_instances: int = 8):
        self.routes = api_routes if api_routes is not None else routes()
        put_layers_on_path()
        # The fork server gets its import path from PYTHONPATH: Python 3.11's forkserver.main()
        # accepts the parent's sys.path but never applies it, and its preload fails silently.
        paths = [p for p in sys.path if p and os.path.isdir(p) and not p.startswith(sys.base_prefix)]
        os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
        timeout = float(template.load()["Globals"]["Function"]["Timeout"])
        by_function: dict[str, FunctionInstances] = {}
        for route in self.routes:
            by_function.setdefault(route.function, FunctionInstances(route, max_instances, timeout))
        self.functions = by_function

    def warm_up(self) -> None:
        """Starts one instance of every function, in parallel: a broken handler fails here."""
        threads = [threading.Thread(target=f.warm_up) for f in self.functions.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if any(not f._all for f in self.functions.values()):
            raise RuntimeError("a function failed to start; its error is above")

    def stop(self) -> None:
        for instances in self.functions.values():
            instances.stop()

    def handle(self, method: str, target: str, headers: dict[str, str], body: str | None) -> tuple[int, dict, bytes]:
        path = urlsplit(target).path
        matching = [r for r in self.routes if r.match(path) is not None]
        route = next((r for r in matching if r.method == method), None)
        if route is None:
            if matching:
                allow = ", ".join(sorted({r.method for r in matching}))
                return _json(405, {"message": "Method not allowed"}, {"Allow": allow})
            return _json(404, {"message": "Not found"})
        event = api_event(method, target, route=route, headers=headers, body=body)
        try:
            result = self.functions[route.function].invoke(event)
        except queue.Empty:
            return _json(429, {"message": "Too many requests"})
        if result is None:  # as API Gateway answers a function that timed out
            return _json(504, {"message": "Endpoint request timed out"})
        return _proxy_response(result)


def _json(status: int, body: dict, headers: dict | None = None) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


def _proxy_response(result: dict[str, Any]) -> tuple[int, dict, bytes]:
    headers = {k: ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()}
    headers.update(result.get("headers") or {})
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return int(result["statusCode"]), headers, raw


def make_server(api: LocalApi, host: str = "127.0.0.1", port: int = 3000) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "course-service-local"
        sys_version = ""

        def _serve(self) -> None:
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                status, headers, payload = _json(413, {"message": "Request body too large"})
                self.close_connection = True
            else:
                raw = self.rfile.read(length) if length else b""
                body = raw.decode("utf-8", errors="replace") if length else None
                request_headers = {k: v for k, v in self.headers.items()}
                status, headers, payload = api.handle(self.command, self.path, request_headers, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            log.info("%s %s %d %.1f ms", self.command, self.path, status, (time.perf_counter() - started) * 1000)

        def __getattr__(self, name: str) -> Any:
            # Any method (TRACE, PROPFIND, ...) gets a JSON answer, not http.server's HTML 501.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:  # the access log above replaces it
            pass

    return _Server((host, port), Handler)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 resets bursts of parallel clients
