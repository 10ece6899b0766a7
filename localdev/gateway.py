"""An HTTP server that answers like API Gateway in front of warm Lambda instances.

Every request becomes an API Gateway REST proxy event for the function whose route matches (routes
come from template.yaml). Each function keeps a pool of warm instances; each instance is its own
process that imported the handler once and handles one request at a time, as a Lambda instance
does. Concurrent requests get more instances (cold starts), up to ``max_instances``. IAM
authorization, throttling and stages are not enforced.

HTTP/1.1 is parsed by h11, which leaves every answer to this server, so that each one, refusals
included, is JSON (docs/DECISIONS.md: why not http.server or a WSGI/ASGI server); API Gateway's
limits apply at the edge.

Instances must be processes, not threads: Powertools keeps the event being resolved in a class
attribute (``BaseRouter.current_event``) that every resolver of a process shares, so two requests
resolved at once in one process can swap events (tests/unit/test_racing_requests.py shows it).
"""

import base64
import contextlib
import json
import logging
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import queue
import signal
import socket
import socketserver
import sys
import threading
import time
from email.utils import formatdate
from http.client import responses
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

import h11

from localdev import template
from localdev.runtime import LambdaContext, api_event, load_handler, put_layers_on_path, split_target
from localdev.template import Route, routes

log = logging.getLogger("localdev")

# API Gateway's quotas for REST APIs: the payload; the URL of an edge-optimized API (template.yaml
# sets no endpoint type, so its API is edge-optimized); all header lines together (names, values,
# separators, line ends); how long an idle connection stays open.
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_URL_CHARS = 8192
MAX_HEADER_BYTES = 10240
IDLE_TIMEOUT = 310.0  # seconds
LINGER = 2.0  # seconds spent reading what a refused client still sends, so that it reads the refusal
RECEIVE_BYTES = 65536
# What the edge answers itself, before any function runs; the connection is closed after it.
REFUSALS = {
    400: "Bad request",
    413: "Request body too large",
    414: "Request URI too long",
    431: "Request header fields too large",
    501: "Only Transfer-Encoding: chunked is supported",
}
# Instances are forked from a single-threaded fork server that has already imported the shared
# layer (forking this threaded HTTP server itself could copy held locks): a new instance then
# costs milliseconds, not a full cold start; bench/ measures real cold starts.
_processes = multiprocessing.get_context("forkserver")
_processes.set_forkserver_preload(["course_service.edge.resolver", "course_service.core.courses"])


def _serve_invocations(code_uri: Path, handler: str, function: str, timeout: float, channel: Connection) -> None:
    """An instance's life: import the handler once (the cold start), then answer events until told to stop."""
    # Ctrl-C reaches the whole process group; the server stops its instances itself, in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lambda_handler = load_handler(code_uri, handler)
    channel.send("ready")
    while (event := _next_event(channel)) is not None:
        try:
            result = lambda_handler(event, LambdaContext(function_name=function, timeout_seconds=timeout))
        except Exception:  # what Lambda reports to API Gateway, which then answers 502
            log.exception("%s raised", function)
            result = {"statusCode": 502, "body": json.dumps({"message": "Internal server error"})}
        channel.send(result)


def _next_event(channel: Connection) -> dict | None:
    """The next event to handle; None when told to stop, or when the server is gone (its end of the
    pipe closed: it was killed, or ended while this instance was still starting)."""
    try:
        return channel.recv()
    except (EOFError, OSError):
        return None


def _start_fork_server() -> None:
    """Starts the fork server now, with SIGINT blocked: it and every instance it forks inherit the
    block, so Ctrl-C (which the terminal sends to each process of its group) reaches only this
    process, which stops the instances itself, in order, whatever they were doing (importing their
    handler, at warm-up). Unblocked, Ctrl-C during warm-up killed the fork server mid-import and
    every instance being started with it, each with a traceback.

    multiprocessing's resource tracker is started first: starting it unblocks SIGINT (bpo-33613),
    and the fork server's start would start it, between the block and the fork server's spawn."""
    multiprocessing.resource_tracker.ensure_running()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class ServerStopping(RuntimeError):
    """An instance finished starting after the server began to stop: it is stopped, not kept."""


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
            with contextlib.suppress(OSError):
                self._channel.send(None)
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
        self._stopped = False
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            self._starting += 1
        with contextlib.suppress(ServerStopping):
            self._idle.put(self._new())

    def _new(self) -> Instance:
        """Starts an instance whose slot the caller reserved (``_starting``)."""
        try:
            instance = Instance(self.route, self.timeout)
        finally:
            with self._lock:
                self._starting -= 1
        with self._lock:
            stopped = self._stopped
            if not stopped:
                self._all.append(instance)
        if stopped:  # started while the server was stopping (Ctrl-C during warm-up): not kept
            instance.stop()
            raise ServerStopping(self.route.function)
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
            instances, self._all, self._stopped = self._all, [], True
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
        self._warming: list[threading.Thread] = []
        _start_fork_server()

    def warm_up(self) -> None:
        """Starts one instance of every function, in parallel: a broken handler fails here."""
        self._warming = [
            threading.Thread(target=f.warm_up, name=f"warm-up-{f.route.function}") for f in self.functions.values()
        ]
        for thread in self._warming:
            thread.start()
        for thread in self._warming:
            thread.join()
        if any(not f._all for f in self.functions.values()):
            raise RuntimeError("a function failed to start; its error is above")

    def stop(self) -> None:
        """Stops every instance, those still starting (an interrupted warm-up) included."""
        for instances in self.functions.values():
            instances.stop()
        for thread in self._warming:
            with contextlib.suppress(RuntimeError):  # Ctrl-C came while it was being started
                thread.join(timeout=90)

    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: str | None) -> "Reply":
        """``headers``: the header lines as received, in order, as API Gateway passes them all."""
        try:
            path, _ = split_target(target)
        except ValueError:  # an absolute URL whose host is not one
            return _json(400, {"message": REFUSALS[400]})
        matching = [r for r in self.routes if r.match(path) is not None]
        route = next((r for r in matching if r.method == method), None)
        if route is None:
            if matching:
                allow = ", ".join(sorted({r.method for r in matching}))
                return _json(405, {"message": "Method not allowed"}, {"Allow": allow}, matching[0].resource)
            return _json(404, {"message": "Not found"})
        event = api_event(method, target, route=route, headers=headers, body=body)
        try:
            result = self.functions[route.function].invoke(event)
        except queue.Empty:
            return _json(429, {"message": "Too many requests"}, resource=route.resource)
        if result is None:  # as API Gateway answers a function that timed out
            return _json(504, {"message": "Endpoint request timed out"}, resource=route.resource)
        return _proxy_response(result, route.resource)


class Reply(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes
    resource: str = "-"  # the route template, for the access log ("-": no route), as API Gateway logs it


def _json(status: int, body: dict, headers: dict | None = None, resource: str = "-") -> Reply:
    return Reply(status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode(), resource)


# Answers that have no content, ever: no Content-Length on them (RFC 9110 8.6: never on a 204; on
# a 304 only the 200's length, which this server does not know).
NO_CONTENT = frozenset({204, 304})


def _proxy_response(result: dict[str, Any], resource: str) -> Reply:
    headers = {k: ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()}
    headers.update(result.get("headers") or {})
    status = int(result["statusCode"])
    # What API Gateway (REST, proxy) sends with an answer that names no type. Not on a 304: it
    # carries what a cache needs to freshen its copy (RFC 9110 15.4.5: the ETag), and no media type
    # for a body it does not have.
    if status != 304 and not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return Reply(status, headers, raw, resource)


def bind(host: str = "127.0.0.1", port: int = 3000) -> "_Server":
    """The server's socket bound to ``host:port``, not listening yet (connections are refused until
    ``listen``): an address or port it cannot have fails here (OSError), before anything starts."""
    return _Server((host, port))


class _Refused(Exception):
    """A request the edge answers itself, before any function runs: ``REFUSALS[status]``."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def _refusal(status: int) -> Reply:
    return _json(status, {"message": REFUSALS[status]})


class _Connection(socketserver.BaseRequestHandler):
    """One client connection: requests parsed by h11 and answered one after the other (keep-alive)."""

    server: "_Server"

    def handle(self) -> None:
        self.request.settimeout(IDLE_TIMEOUT)
        # Each response leaves in one write; without this, Nagle's algorithm could still hold back the
        # end of one (http.server wrote head and body apart: +40 ms per keep-alive request).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # h11 refuses (431) a request head that grows past this without completing; the exact
        # limits are checked once it is complete.
        self.http = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_URL_CHARS + MAX_HEADER_BYTES)
        try:
            while self._serve_one():
                self.http.start_next_cycle()
        except OSError:  # the client went away, or stayed idle past IDLE_TIMEOUT
            pass

    def _serve_one(self) -> bool:
        """Answers one request; True when the connection can carry another."""
        started = time.perf_counter()
        method, request = "-", None
        try:
            request = self._next_event()
            if type(request) is h11.ConnectionClosed:
                return False
            started, method = time.perf_counter(), request.method.decode("ascii")
            self._check_head(request)
            raw = self._read_body()
        except h11.RemoteProtocolError as error:  # not HTTP/1.1 as RFC 9112 has it
            reply = _refusal(self._status_of(error, request))
        except _Refused as refused:
            reply = _refusal(refused.status)
        else:
            reply = self._answer(method, request, raw)
        unread = self.http.their_state not in (h11.DONE, h11.MUST_CLOSE)  # its body, if any, is unread
        self._send(reply, method, close=unread)
        log.info("%s %s %d %.1f ms", method, reply.resource, reply.status, (time.perf_counter() - started) * 1000)
        if unread:
            self._linger()
        return self.http.our_state is h11.DONE and self.http.their_state is h11.DONE

    def _next_event(self) -> Any:
        while (event := self.http.next_event()) is h11.NEED_DATA:
            if self.http.they_are_waiting_for_100_continue:  # the head passed: ask for the body
                self.request.sendall(self.http.send(h11.InformationalResponse(status_code=100, headers=[])))
            self.http.receive_data(self.request.recv(RECEIVE_BYTES))
        return event

    def _check_head(self, request: h11.Request) -> None:
        if len(request.target) > MAX_URL_CHARS:
            raise _Refused(414)
        if sum(len(name) + len(value) + 4 for name, value in request.headers.raw_items()) > MAX_HEADER_BYTES:
            raise _Refused(431)
        if any(name == b"content-length" and int(value) > MAX_BODY_BYTES for name, value in request.headers):
            raise _Refused(413)

    def _read_body(self) -> bytes:
        """The body as sent, whatever its framing (Content-Length or chunked), up to MAX_BODY_BYTES."""
        body = bytearray()
        while type(event := self._next_event()) is h11.Data:
            body += event.data
            if len(body) > MAX_BODY_BYTES:
                raise _Refused(413)
        return bytes(body)

    def _status_of(self, error: h11.RemoteProtocolError, request: h11.Request | None) -> int:
        if request is not None:  # the head was fine: its body is malformed
            return 400
        if error.error_status_hint == 431:  # the head grew too long: by its request line (the URL), or not
            unparsed = self.http.trailing_data[0]
            return 414 if len(unparsed.split(b"\n", 1)[0]) > MAX_URL_CHARS else 431
        return error.error_status_hint if error.error_status_hint in REFUSALS else 400

    def _answer(self, method: str, request: h11.Request, raw: bytes) -> Reply:
        # API Gateway passes a body as UTF-8 text unless its Content-Type is one of the API's binary
        # media types (this API declares none): other bytes cannot reach a function as they were
        # sent. Such a body is no JSON text either (RFC 8259 8.1): 422, as for malformed JSON.
        try:
            body = raw.decode("utf-8") if raw else None
        except UnicodeDecodeError:
            detail = [{"loc": ["body"], "type": "json_invalid"}]
            return _json(422, {"message": "Request body is not valid UTF-8", "detail": detail})
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw_items()]
        try:
            return self.server.api.handle(method, request.target.decode("ascii"), headers, body)
        except Exception:  # a fault of the local server itself: API Gateway's answer to a failing integration
            log.exception("the local server failed to answer a %s request", method)
            return _json(502, {"message": "Internal server error"})

    def _send(self, reply: Reply, method: str, close: bool) -> None:
        headers = [
            *reply.headers.items(),
            *([] if reply.status in NO_CONTENT else [("Content-Length", str(len(reply.body)))]),
            ("Date", formatdate(usegmt=True)),
            ("Server", "course-service-local"),
        ]
        if close:
            headers.append(("Connection", "close"))
        phrase = responses.get(reply.status, "").encode()
        data = self.http.send(h11.Response(status_code=reply.status, headers=headers, reason=phrase))
        if method != "HEAD":
            data += self.http.send(h11.Data(data=reply.body))
        self.request.sendall(data + self.http.send(h11.EndOfMessage()))

    def _linger(self) -> None:
        """After a refusal, reads for a moment what the client still sends: closing a socket with
        unread data resets the connection, and the client could lose the refusal with it."""
        self.request.shutdown(socket.SHUT_WR)
        self.request.settimeout(LINGER)
        deadline = time.monotonic() + LINGER
        while time.monotonic() < deadline and self.request.recv(RECEIVE_BYTES):
            pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 resets bursts of parallel clients

    api: LocalApi

    def __init__(self, address: tuple[str, int]):
        super().__init__(address, _Connection, bind_and_activate=False)
        try:
            self.server_bind()
        except BaseException:
            self.server_close()
            raise

    def listen(self, api: LocalApi) -> None:
        """Accepts connections from now on, for ``api`` (``serve_forever`` answers them); OSError if
        another server started listening on the port since it was bound."""
        self.api = api
        self.server_activate()
