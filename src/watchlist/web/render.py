"""Rendering pages: one Jinja2 environment (autoescape on for every template), the filters
the templates use, and the context every page gets (who is signed in, the CSRF token, the
list versions the page reflects)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from watchlist.operations.health import recent_reasons
from watchlist.sources.registry import SOURCES
from watchlist.store.labels import bundled_notice
from watchlist.store.shrink import percent as share_percent
from watchlist.store.store import Version
from watchlist.version import __version__

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PREFIX = "/ui"

#: Short names of the publishers' lists, for badges and tables.
SHORT = {
    "us_ofac_sdn": "OFAC SDN", "us_ofac_cons": "OFAC non-SDN", "gb_fcdo_sanctions": "UK FCDO",
    "gb_hmt_sanctions": "UK OFSI", "eu_fsf": "EU", "un_sc_sanctions": "UN",
    "ca_dfatd_sema_sanctions": "Canada SEMA", "au_dfat_sanctions": "Australia DFAT",
}

#: Every page: no inline script or style runs (what escaping might miss cannot execute),
#: nothing is loaded from elsewhere, no other site may frame the pages.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

#: Kinds of party a search may ask for: (value, label).
KINDS = (("", "Any kind"), ("Person", "Person"), ("Organization", "Organisation"),
         ("Company", "Company"), ("Vessel", "Vessel"), ("Airplane", "Aircraft"))


def short_source(source: str | None) -> str:
    return SHORT.get(source or "", source or "?")


def source_title(source: str | None) -> str:
    info = SOURCES.get(source or "")
    return info.title if info else (source or "?")


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    from followthemoney.types import registry

    return {str(k): str(v) for k, v in registry.country.names.items()}


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _countries().get(code.lower(), code)


def percent(score: Any) -> str:
    try:
        return f"{round(float(score) * 100):d}%"
    except (TypeError, ValueError):
        return ""


def brief(value: Any, items: int = 5) -> str:
    """A logged value as JSON, a long list cut to its first items and how many more (a
    monitor run logs every customer it screened)."""
    if isinstance(value, list) and len(value) > items:
        shown = ", ".join(json.dumps(v, ensure_ascii=False) for v in value[:items])
        return f"[{shown}, …] ({len(value):,} in all)"
    return json.dumps(value, ensure_ascii=False)


def is_http_url(value: Any) -> bool:
    """Only http(s) addresses become links (a list could carry a javascript: URL)."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def version_refs(versions: Iterable[Version | dict[str, Any]]) -> list[dict[str, Any]]:
    """List versions as pages name them: source, number, publisher date (and the bundled
    notice of a snapshot bundled in the package)."""
    refs = []
    for v in versions:
        data = v.to_dict() if isinstance(v, Version) else v
        refs.append({"source": data.get("source"), "version": data.get("version"),
                     "published": data.get("published"), "notice": bundled_notice(data)})
    return sorted(refs, key=lambda r: str(r["source"]))


def url(path: str, **params: Any) -> str:
    """A page address under the prefix, with query parameters (None and "" dropped)."""
    query = [(k, v) for k, v in params.items() if v not in (None, "")]
    flat: list[tuple[str, Any]] = []
    for key, value in query:
        if isinstance(value, list | tuple):
            flat.extend((key, item) for item in value)
        else:
            flat.append((key, value))
    return PREFIX + path + (("?" + urlencode(flat)) if flat else "")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(short_source=short_source, source_title=source_title,
                       country=country_name, percent=percent, brief=brief,
                       bundled_notice=bundled_notice, share=share_percent)
    env.tests["http_url"] = is_http_url
    env.globals.update(url=url, PREFIX=PREFIX, KINDS=KINDS, VERSION=__version__)
    return env


def page(request: Request, template: str, *, title: str,
         versions: Sequence[Version | dict[str, Any]] = (), status_code: int = 200,
         **context: Any) -> HTMLResponse:
    """A whole page: the template with the shared context, and the session cookie."""
    web = request.app.state.web
    session = web.sessions.load(request)
    user = getattr(request.state, "web_user", None)
    flashes = session.data.pop("flash", [])
    if flashes:
        session.dirty = True
    body = environment().get_template(template).render(
        request=request, title=title, user=user, csrf=session.csrf,
        search_token=session.purpose_token("search"), flashes=flashes,
        versions=version_refs(versions), nav=context.pop("nav", ""),
        degraded=_degraded(request), **context)
    response = HTMLResponse(body, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return web.sessions.save(request, response)


def _degraded(request: Request) -> list[str]:
    """Why the lists are stale, failing or held (the banner on every page); none when the
    store cannot say."""
    try:
        return recent_reasons(request.app.state.store)
    except Exception:  # noqa: BLE001 - a page is shown even when this cannot be read
        return []


def redirect(request: Request, to: str, flash: str | None = None) -> Response:
    """A see-other redirect (after a form), with an optional message for the next page."""
    web = request.app.state.web
    session = web.sessions.load(request)
    if flash:
        session.data.setdefault("flash", []).append(flash)
        session.dirty = True
    return web.sessions.save(request, RedirectResponse(to, status_code=303))
