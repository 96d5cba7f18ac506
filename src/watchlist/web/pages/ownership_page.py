"""The ownership page of a party, listed or not: why it is blocked by ownership or control
under each rule (every path, with shares, sources and dates), and its owners above and
holdings below as a tree (SVG, each party a link reachable by keyboard, and the same tree
as nested lists)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from watchlist.ownership.view import current_view
from watchlist.web.deps import StoreDep, User, WebError
from watchlist.web.ownership_tree import layout
from watchlist.web.render import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/ownership/{party:path}")
def ownership(request: Request, party: str, store: StoreDep, user: User,
              depth: Annotated[int, Query(ge=1, le=6)] = 3) -> Response:
    view = current_view(store)
    if party not in view.graph.number:
        raise WebError(404, f"No party {party!r} in the ownership data or the lists' "
                            "relations.")
    tree = view.tree(party, depth)
    return page(request, "ownership.html", title=f"Ownership: {tree['name']}", tree=tree,
                drawing=layout(tree), findings=[f.to_dict() for f in view.findings(party)],
                listed=party in view.directory.captions, nav="search")
