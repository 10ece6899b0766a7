"""An HTTP server that answers like API Gateway in front of warm Lambda instances.

Every request becomes an API Gateway REST proxy event for the function whose route matches (routes
come from template.yaml). Each function keeps a pool of warm instances, each a separately imported
handler module handling one request at a time, as a Lambda instance does; concurrent requests get
more instances, up to ``max_instances``. IAM authorization, throttling and stages are not enforced.
"""

import base64
import json
import logging
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import urlsplit

from localdev.runtime import LambdaContext, api_event, load_handler
from localdev.template import Route, routes

log = logging.getLogger("localdev")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


class FunctionInstances:
    """Warm instances of one function: reused when idle, a new one (a cold start) when all are busy."""

    def __init__(self, route: Route, max_instances: int):
        self.route = route
        self.max_instances = max_instances
        self._idle: queue.LifoQueue[Callable] = queue.LifoQueue()
        self._count = 0
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self._idle.put(self._new())

    def _new(self) -> Callable:
        with self._lock:
            self._count += 1
        return load_handler(self.route.code_uri, self.route.handler)

    def invoke(self, event: dict, timeout: float = 30.0) -> dict:
        try:
            handler = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                grow = self._count < self.max_instances
            handler = self._new() if grow else self._idle.get(timeout=timeout)
        try:
            return handler(event, LambdaContext(function_name=self.route.function))
        finally:
            self._idle.put(handler)


class LocalApi:
    def __init__(self, api_routes: list[Route] | None = None, max_instances: int = 8):
        self.routes = api_routes if api_routes is not None else routes()
        by_function: dict[str, FunctionInstances] = {}
        for route in self.routes:
            by_function.setdefault(route.function, FunctionInstances(route, max_instances))
        self.functions = by_function

    def warm_up(self) -> None:
        for instances in self.functions.values():
            instances.warm_up()

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
