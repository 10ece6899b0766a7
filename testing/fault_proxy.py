"""A TCP proxy on 127.0.0.1 that can hold DynamoDB's replies back: a slow DynamoDB, on demand.

Put between the service and a local DynamoDB (dynalite), it forwards every request at once, so the
request is applied, and delays chosen replies: held past botocore's read timeout, a reply is lost
and botocore retries a request DynamoDB already applied. Used by tests/integration/test_late_replies.py
and by ``make load FAULTS=...`` (testing/load.py).
"""

import random
import socket
import threading
from contextlib import suppress

from localdev.processes import HOST

CHUNK = 65536


class FaultProxy:
    """Listens on 127.0.0.1:<free port> and forwards to ``upstream_port`` on 127.0.0.1.

    ``hold_next(n, seconds)`` delays the next ``n`` replies (``after=k``: those after the next ``k``,
    which pass: a later call of one request); ``hold_share(share, seconds)`` delays
    that share of all replies (seeded, so a run can be repeated). A reply is the first data DynamoDB
    sends after a request; the rest of it follows it. Stop with ``stop()`` or a ``with`` block.
    """

    def __init__(self, upstream_port: int, seed: int = 0):
        self.upstream_port = upstream_port
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._held_next = 0
        self._passing = 0
        self._share = 0.0
        self._seconds = 0.0
        self._random = random.Random(seed)
        self.replies = 0
        self.held = 0
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._acceptor = threading.Thread(target=self._accept, name=f"fault-proxy-{self.port}", daemon=True)
        self._acceptor.start()

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def hold_next(self, replies: int, seconds: float, after: int = 0) -> None:
        with self._lock:
            self._held_next, self._passing, self._seconds = replies, after, seconds

    def hold_share(self, share: float, seconds: float) -> None:
        with self._lock:
            self._share, self._seconds = share, seconds

    def clear(self) -> None:
        with self._lock:
            self._held_next, self._passing, self._share = 0, 0, 0.0

    def _delay_for_next_reply(self) -> float:
        with self._lock:
            self.replies += 1
            if self._held_next > 0 and self._passing > 0:
                self._passing -= 1
                return 0.0
            if self._held_next > 0:
                self._held_next -= 1
            elif not (self._share and self._random.random() < self._share):
                return 0.0
            self.held += 1
            return self._seconds

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed: stop()
            try:
                upstream = socket.create_connection((HOST, self.upstream_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            awaiting_reply = threading.Event()
            threading.Thread(target=self._pump, args=(client, upstream, awaiting_reply, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, awaiting_reply, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, awaiting_reply: threading.Event, replies: bool):
        with suppress(OSError):
            while chunk := source.recv(CHUNK):
                if not replies:
                    awaiting_reply.set()
                elif awaiting_reply.is_set():
                    awaiting_reply.clear()
                    delay = self._delay_for_next_reply()
                    if delay:
                        self._stopping.wait(delay)  # bounded: ends early when the proxy stops
                target.sendall(chunk)
        for end in (source, target):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
            with self._lock:
                self._sockets.discard(end)

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            open_sockets = list(self._sockets)
        for end in open_sockets:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self._acceptor.join(timeout=5)

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *_) -> None:
        self.stop()
