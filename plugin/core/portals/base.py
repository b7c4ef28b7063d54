"""What every protocol adapter is: two pure functions over plain data.

An adapter module exposes::

    build_request(portal: Portal, query: SearchQuery) -> Request      # the first page
    parse(portal: Portal, query: SearchQuery, body: bytes, request: Request) -> Page

`parse` raises `PortalError(kind=ErrorKind.PARSE)` for an answer it cannot read; it never invents a value
the portal did not give. `Page.next` is the request for the following page, built from the portal's own
next link where it gives one.
"""
from __future__ import annotations

import gc
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..errors import ErrorKind, PortalError
from ..product import Product


@dataclass(frozen=True)
class Request:
    """An HTTP request as plain data (no session, no credentials)."""

    method: str
    url: str
    params: Tuple[Tuple[str, str], ...] = ()
    json_body: Any = None
    headers: Tuple[Tuple[str, str], ...] = ()

    @property
    def full_url(self) -> str:
        """URL with the query string."""
        if not self.params:
            return self.url
        separator = "&" if "?" in self.url else "?"
        return self.url + separator + urlencode(list(self.params))

    def as_curl(self) -> str:
        """A curl command reproducing the request (credentials are never part of a Request)."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.full_url)]
        for name, value in self.headers:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.json_body is not None:
            parts += ["-H", shlex.quote("Content-Type: application/json"), "--data", shlex.quote(json.dumps(self.json_body))]
        return " ".join(parts)

    def describe(self) -> str:
        """'POST https://...' for logs."""
        return f"{self.method} {self.full_url}"


@dataclass
class Page:
    """One parsed answer: its products, the request for the next page, and the total when the portal says it."""

    products: List[Product] = field(default_factory=list)
    next: Optional[Request] = None
    total: Optional[int] = None


def parse_json(portal_title: str, body: bytes) -> Any:
    """Decode a JSON answer or raise a PortalError saying the answer was not JSON.

    The cyclic garbage collector is paused while decoding: JSON makes no reference cycles, and a page of 1,000
    STAC items (millions of objects) would otherwise trigger its full passes again and again for nothing. It is
    switched back on afterwards whatever happens (left alone when another thread had paused it).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = json.loads(body)
    except RecursionError:  # nesting deeper than Python's decoder goes: no real answer looks like that
        raise PortalError(portal_title, "the answer is nested too deeply to be read", ErrorKind.PARSE,
                          code="too_deep") from None
    except (ValueError, UnicodeDecodeError):
        snippet = body[:80].decode("utf-8", "replace").strip().replace("\n", " ")
        raise PortalError(
            portal_title, f"the answer is not JSON (starts with: {snippet!r})", ErrorKind.PARSE, code="not_json",
            details={"start": repr(snippet)}
        ) from None
    finally:
        if collecting:
            gc.enable()
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    # the regular expression only where it can match (a byte search is many times faster than it)
    if (b"\\ud" in raw or b"\\uD" in raw or b"\xed" in raw) and _LONE_SURROGATE_ESCAPE.search(raw):
        data = _without_lone_surrogates(data)
    return data


# "\ud800" escapes (and surrogates encoded as bytes, which json.loads lets through) decode to text that cannot
# be written as UTF-8 (file names, layers, logs). Looked for only when the answer holds one at all, which real
# answers rarely do (emoji are valid pairs, and are kept).
_LONE_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def _without_lone_surrogates(data: Any) -> Any:
    """`data` with every unpaired surrogate in its texts (keys too) replaced by U+FFFD."""
    def clean(text: str) -> str:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")

    stack = [data]
    if isinstance(data, str):
        return clean(data)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
            node.clear()
            for key, value in items:
                node[clean(key) if isinstance(key, str) else key] = clean(value) if isinstance(value, str) else value
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, str):
                    node[index] = clean(value)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    return data


def bad_answer(portal_title: str, what: str) -> PortalError:
    """A PortalError for an answer of the wrong shape."""
    return PortalError(portal_title, f"unexpected answer: {what}", ErrorKind.PARSE, code="unexpected",
                       details={"what": what})


def params(pairs: Sequence[Tuple[str, Any]]) -> Tuple[Tuple[str, str], ...]:
    """Query parameters as a tuple of string pairs, dropping None values."""
    return tuple((key, str(value)) for key, value in pairs if value is not None)


def headers(mapping: Optional[Dict[str, str]] = None) -> Tuple[Tuple[str, str], ...]:
    """Headers as a tuple of pairs."""
    return tuple(sorted((mapping or {}).items()))


def request_params(request: Request) -> Dict[str, str]:
    """The query parameters of a request, whether held in `params` or in the URL of a next link."""
    values = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    values.update(dict(request.params))
    return values
