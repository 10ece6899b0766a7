"""Loads Lambda handlers in-process and builds the events API Gateway REST (v1 proxy) sends them."""

import base64
import importlib.util
import itertools
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from localdev.template import Route, layer_dirs

_instance_ids = itertools.count(1)


def put_layers_on_path() -> None:
    """Like /opt/python in Lambda: the shared layer's code is importable by every handler."""
    for folder in layer_dirs():
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))


def load_module(code_uri: Path, handler: str) -> ModuleType:
    """Imports a function's handler module under a name of its own.

    Every function names its module ``app``; a unique module name per load keeps them apart when
    one process loads several (the tests, the OpenAPI generator). Concurrent requests need one
    process per instance: see localdev/gateway.py.
    """
    put_layers_on_path()
    module_name = handler.rsplit(".", 1)[0]
    unique = f"lambda_{code_uri.name}_{module_name}_{next(_instance_ids)}"
    path = code_uri / f"{module_name.replace('.', '/')}.py"
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    spec.loader.exec_module(module)
    return module


def load_handler(code_uri: Path, handler: str) -> Callable[[dict, Any], dict]:
    """A new warm instance of a function: its handler, from a fresh import of its module."""
    return getattr(load_module(code_uri, handler), handler.rsplit(".", 1)[1])


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str = "local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    timeout_seconds: float = 15.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def split_target(target: str) -> tuple[str, str]:
    """The path and the query of an HTTP request target (RFC 9112 3.2), without any fragment.

    The origin form (``/courses?limit=5``) is a path, whose first segment may be empty: ``//x/y``
    is the path ``//x/y``, where ``urlsplit`` would read a host ``x`` (and raise on ``//[x``). The
    absolute form (``http://host/courses``, what a proxy is sent) is read with ``urlsplit``, and
    ValueError for a host it cannot parse.
    """
    if not target.startswith("/"):
        parts = urlsplit(target)
        return parts.path, parts.query
    path, _, query = target.partition("#")[0].partition("?")
    return path, query


def api_event(
    method: str,
    raw_path: str,
    *,
    route: Route | None = None,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: str | bytes | None = None,
    stage: str = "local",
    decode_path_parameters: bool = True,
) -> dict[str, Any]:
    """An API Gateway REST proxy event, shaped as API Gateway builds it.

    ``path`` is the raw, still percent-encoded path (the handlers decode it once). Reports differ on
    whether ``pathParameters`` arrive decoded, so both are possible here; the handlers ignore them.

    ``headers`` are a mapping or the header lines as received, (name, value) pairs in order: a name
    sent on several lines has every value in ``multiValueHeaders`` and only its last in ``headers``,
    as in AWS's documented sample event (names grouped case-insensitively, first spelling kept).
    A ``bytes`` body arrives base64-encoded (``isBase64Encoded``), as API Gateway sends bodies of
    its binary media types.
    """
    path, query_string = split_target(raw_path)
    query = parse_qsl(query_string, keep_blank_values=True)
    lines = list(headers.items() if isinstance(headers, Mapping) else headers or [])
    multi_headers = _header_lines_by_name(lines)
    single_headers = {name: values[-1] for name, values in multi_headers.items()}
    encoded = isinstance(body, bytes)
    if isinstance(body, bytes):
        body = base64.b64encode(body).decode("ascii")
    params = route.match(path) if route else None
    if params and decode_path_parameters:
        params = {k: unquote(v) for k, v in params.items()}
    request_id = str(uuid.uuid4())
    resource = route.resource if route else path
    multi_query: dict[str, list[str]] = {}
    for key, value in query:
        multi_query.setdefault(key, []).append(value)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method.upper(),
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method.upper(),
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": _last_value(single_headers, "User-Agent")},
            "accountId": "000000000000",
            "apiId": "local",
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def _header_lines_by_name(lines: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Every value of each header name, in the order received; names compared case-insensitively."""
    spelling: dict[str, str] = {}
    grouped: dict[str, list[str]] = {}
    for name, value in lines:
        key = spelling.setdefault(name.lower(), name)
        grouped.setdefault(key, []).append(value)
    return grouped


def _last_value(headers: dict[str, str], name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), "")
