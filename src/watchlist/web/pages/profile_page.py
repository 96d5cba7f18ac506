"""The profile page: a party with every designation, name, date, country, identifier and
address from every list that names it, the evidence linking those records, and each
record's history across the versions of its list."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from watchlist.errors import StoreError
from watchlist.store.audit import append_audit
from watchlist.versions_header import use_versions
from watchlist.web.deps import StoreDep, User, WebError, screener_of
from watchlist.web.profile_view import build_profile
from watchlist.web.render import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/profiles/{entity_id:path}")
def profile(request: Request, entity_id: str, store: StoreDep, user: User) -> Response:
    screener = screener_of(request)
    try:
        view = build_profile(store, screener, entity_id)
    except StoreError as exc:
        raise WebError(404, f"{exc}.") from None
    append_audit(store, user.actor, "profile-view", {"entity_id": entity_id, "via": "web"},
                 view.versions, [{"entity_id": entity_id, "caption": view.caption}])
    use_versions(request, view.versions)
    return page(request, "profile.html", title=view.caption, versions=view.versions,
                view=view, nav="search")
