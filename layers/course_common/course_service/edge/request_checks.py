"""What a request's headers and body must be before anything reads them.

Pure functions of the API Gateway REST event, so that they can run wherever the resolver lets a
check run.

- Header lines: API Gateway REST passes every line of a header in ``multiValueHeaders`` and only
  the last in ``headers``; a header's value is its lines joined by commas, as RFC 9110 (section
  5.3) combines them, so that two ``If-Match`` lines are the list they mean (``Cookie`` lines by
  "; ", RFC 9113 section 8.2.3).
- Media type: parsed by HTTP's own grammar (RFC 9110, section 8.3.1), a regular language, so one
  regular expression reads it whole: ``application/json`` exactly, charset UTF-8 if any. Not by the
  standard library's email header parser: it reads RFC 2045's grammar (comments, RFC 2231
  continuations), which HTTP's is not, and raises on some values (IndexError on ``x*``, CPython
  gh-151857; RecursionError on a run of ``(``) and takes quadratic time on others
  (docs/PERFORMANCE.md).
- Body: its bytes as received (base64-decoded when API Gateway encoded it), UTF-8, and I-JSON
  (RFC 7493): no NaN or infinities, no number a double cannot hold, no lone surrogate or
  noncharacter, no member name twice. Python's json module accepts all of those, and raises a
  plain ValueError (not a JSON error) on an integer of more than 4,300 digits.
"""

import base64
import binascii
import json
import math
import re
import sys
from collections.abc import Mapping
from typing import Any

JSON_MEDIA_TYPE = "application/json"
# RFC 9110's media type: token "/" token, then *( OWS ";" OWS [ token "=" ( token / quoted-string ) ] ).
# Each parameter is an atomic group: once matched it is never re-split, so a value that fails
# costs one pass, however many ";" and spaces it holds.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED_STRING = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_PARAMETER = re.compile(rf"[ \t]*;[ \t]*(?:({_TOKEN})=({_TOKEN}|{_QUOTED_STRING}))?")
_MEDIA_TYPE = re.compile(rf"({_TOKEN}/{_TOKEN})((?>{_PARAMETER.pattern})*)")
_QUOTED_PAIR = re.compile(r"\\(.)")

# The largest finite double has 309 integer digits; longer integers are refused unread (Python's
# int() would take quadratic time on them, then raise past 4,300 digits).
_MAX_INTEGER_DIGITS = len(str(int(sys.float_info.max)))
# Deepest nesting read (a course is one level). RFC 8259 (section 9) lets a parser set it; without
# one the limit was the interpreter's (Python 3.11 stops near 1,000, 3.13 far deeper), so a body
# could be answered differently by Lambda (3.13) and by make run on another Python.
_MAX_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
# Surrogates (never text on their own) and noncharacters: I-JSON (RFC 7493, section 2.1).
_NOT_I_JSON_TEXT = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000))
    + "]"
)


class UnreadableBody(ValueError):
    """The body is not text API Gateway could have received: bad base64, or not UTF-8."""


def merged_headers(event: Mapping[str, Any]) -> dict[str, str]:
    """Each header once, under its first spelling, every line of it joined in the order received."""
    return {spelling: _joined(spelling, values) for spelling, values in _lines_by_name(event).values()}


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` (any case) among merged headers; None if absent."""
    wanted = name.lower()
    return next((value for spelling, value in headers.items() if spelling.lower() == wanted), None)


def _joined(name: str, values: list[str]) -> str:
    return ("; " if name.lower() == "cookie" else ", ").join(values)


def _lines_by_name(event: Mapping[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Every header's lines, by lower-case name: {name: (first spelling, values)}.

    From ``multiValueHeaders`` where it has the name (it holds every line), else ``headers`` (an
    event built by hand may have only that).
    """
    lines: dict[str, tuple[str, list[str]]] = {}
    for name, values in (event.get("multiValueHeaders") or {}).items():
        lines.setdefault(name.lower(), (name, []))[1].extend(values or [])
    for name, value in (event.get("headers") or {}).items():
        if value is not None and not lines.get(name.lower(), ("", []))[1]:
            lines[name.lower()] = (name, [value])
    return {key: entry for key, entry in lines.items() if entry[1]}


def is_json_media_type(content_type: str | None) -> bool:
    """True for ``application/json``, charset UTF-8 if any, and for no Content-Type at all.

    Any case; other parameters have no meaning for JSON and are ignored; no Content-Type is read as
    JSON. False for anything else, including a value that is not one media type in HTTP's syntax.

    ``+json`` types (``application/merge-patch+json``, ``application/problem+json``...) are JSON
    text with semantics of their own, which this API does not implement: not accepted.
    """
    if content_type is None or not content_type.strip():
        return True
    media_type = _MEDIA_TYPE.fullmatch(content_type.strip(" \t"))
    if media_type is None or media_type[1].lower() != JSON_MEDIA_TYPE:
        return False
    return all(
        _QUOTED_PAIR.sub(r"\1", value.removeprefix('"').removesuffix('"')).lower() == "utf-8"
        for name, value in _PARAMETER.findall(media_type[2])
        if name.lower() == "charset"
    )


def body_bytes(event: Mapping[str, Any]) -> bytes:
    """The body as API Gateway received it; UnreadableBody if its base64 is broken."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise UnreadableBody("body is not base64") from error
    # A text body came as UTF-8; "surrogatepass" only so that an impossible lone surrogate is
    # counted here and refused by body_text, not raised as an encoding error.
    return body.encode("utf-8", "surrogatepass")


def body_text(raw: bytes) -> str:
    """The body's text; UnreadableBody if it is not UTF-8 (JSON's only encoding, RFC 8259 8.1)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableBody("body is not UTF-8") from error


def parse_json(text: str) -> Any:
    """``json.loads`` for request bodies: I-JSON only, nesting bounded.

    Refuses what is not I-JSON or nests deeper than ``_MAX_DEPTH``, always as a JSONDecodeError.

    The resolver's ``json_body_deserializer``: Powertools turns a JSONDecodeError into a 422
    ``json_invalid``, and lets anything else escape as a 500.
    """
    if _nests_deeper_than(text, _MAX_DEPTH):
        raise json.JSONDecodeError("nested too deep", text, 0)
    try:
        value = json.loads(
            text,
            parse_int=_integer,
            parse_float=_finite_float,
            parse_constant=_no_constant,
            object_pairs_hook=_unique_members,
        )
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as error:  # ours above, or nesting deeper than the parser goes
        raise json.JSONDecodeError("not I-JSON", text, 0) from error
    if _holds_text_that_is_not_i_json(value):
        raise json.JSONDecodeError("lone surrogate or noncharacter", text, 0)
    return value


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > _MAX_INTEGER_DIGITS:
        raise ValueError("number too large")
    value = int(digits)
    if abs(value) > sys.float_info.max:
        raise ValueError("number too large")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: past a double
        raise ValueError("number too large")
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("member name given twice")
    return members


def _holds_text_that_is_not_i_json(value: Any) -> bool:
    """Looks at every string, keys included, without recursion (the value can be deeply nested)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _NOT_I_JSON_TEXT.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _nests_deeper_than(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit``.

    Read before parsing, so that a malformed body gets one answer too. Costs two counts unless the
    body has that many brackets.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False
