"""Downloading lists from their publishers: redirects, retries with backoff, a size cap,
conditional requests, and a check that what came back is a list and not an error page.

A host that cannot be reached at all (unknown name, refused connection, no route, or no
connection made within CONNECT_TIMEOUT, as behind a firewall that drops packets) is not
retried: another attempt seconds later meets the same DNS or network, and a machine without
network must hear so at once. Read timeouts, 5xx answers and broken transfers are retried.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from watchlist.errors import FetchError
from watchlist.sources.files import is_html
from watchlist.sources.registry import BROWSER_UA
from watchlist.version import __version__

MAX_BYTES = 1 << 30
DEFAULT_UA = f"watchlist/{__version__} (sanctions screening; +https://pypi.org/project/watchlist)"
BACKOFF = 2.0
#: Seconds to wait for a connection: publishers answer in well under a second, and every
#: source is fetched at once, so an unreachable network costs this much in all.
CONNECT_TIMEOUT = 10.0
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}

Progress = Callable[[int, int | None], None]


class _Transient(Exception):
    """A failure worth another attempt (a broken or short transfer)."""


@dataclass(frozen=True)
class Downloaded:
    """A file fetched to disk, or None for `path` when the server said it was unchanged."""

    url: str
    path: Path | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


def make_client(timeout: float = 120.0, browser: bool = False) -> httpx.Client:
    """An HTTP client that follows redirects and identifies itself (as a browser if asked)."""
    return httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
        headers={"User-Agent": BROWSER_UA if browser else DEFAULT_UA, "Accept": "*/*"},
        max_redirects=10,
    )


def _retry_after(response: httpx.Response | None, attempt: int, backoff: float) -> float:
    if response is not None:
        value = response.headers.get("Retry-After")
        if value and value.isdigit():
            return min(float(value), 120.0)
        if value:
            parsed = email.utils.parsedate_to_datetime(value)
            if parsed is not None:
                return max(0.0, min(parsed.timestamp() - time.time(), 120.0))
    return backoff * (2 ** attempt)


def download(
    client: httpx.Client,
    url: str,
    dest: Path,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    retries: int = 3,
    backoff: float | None = None,
    max_bytes: int = MAX_BYTES,
    progress: Progress | None = None,
) -> Downloaded:
    """Fetch `url` to `dest`, retrying transient failures; raise FetchError naming the URL
    (marked `unreachable` when no attempt got an answer from the server)."""
    backoff = BACKOFF if backoff is None else backoff
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    last_problem = "no attempt made"
    answered = False
    for attempt in range(retries + 1):
        response: httpx.Response | None = None
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Downloaded(url, None, etag, last_modified, not_modified=True)
                if response.status_code in RETRY_STATUS:
                    last_problem = f"HTTP {response.status_code} {response.reason_phrase}"
                elif response.status_code >= 400:
                    raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}")
                else:
                    _save(response, url, dest, max_bytes, progress)
                    return Downloaded(
                        url, dest, response.headers.get("ETag"),
                        response.headers.get("Last-Modified"),
                    )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise FetchError(url, f"cannot be reached ({type(exc).__name__}: {exc})",
                             unreachable=not answered) from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            last_problem = f"{type(exc).__name__}: {exc}"
        except _Transient as exc:
            last_problem = str(exc)
        answered = answered or response is not None
        if attempt < retries:
            time.sleep(_retry_after(response, attempt, backoff))
    raise FetchError(url, f"failed after {retries + 1} attempts; last: {last_problem}",
                     unreachable=not answered)


def _save(response: httpx.Response, url: str, dest: Path, max_bytes: int,
          progress: Progress | None) -> None:
    total_header = response.headers.get("Content-Length")
    total = int(total_header) if total_header and total_header.isdigit() else None
    if total is not None and total > max_bytes:
        raise FetchError(url, f"is {total} bytes, over the {max_bytes}-byte cap")
    size = 0
    head = b""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(dest, "wb") as fh:
            for chunk in response.iter_bytes(1 << 16):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(url, f"grew past the {max_bytes}-byte cap; download stopped")
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                fh.write(chunk)
                if progress:
                    progress(size, total)
    except httpx.HTTPError as exc:
        dest.unlink(missing_ok=True)
        raise _Transient(f"download broke off after {size} bytes: {exc}") from exc
    except FetchError:
        dest.unlink(missing_ok=True)
        raise
    if total is not None and response.num_bytes_downloaded < total:
        dest.unlink(missing_ok=True)
        raise _Transient(f"truncated download: {response.num_bytes_downloaded} of {total} bytes")
    if size == 0:
        dest.unlink(missing_ok=True)
        raise FetchError(url, "answered with an empty body")
    if is_html(head):
        dest.unlink(missing_ok=True)
        raise FetchError(url, "answered with an HTML page instead of the list "
                              "(an error or challenge page)")
