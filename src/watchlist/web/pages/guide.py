"""The help page: the keyboard shortcuts, and what the pages are for."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from watchlist.web.deps import User
from watchlist.web.render import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: (keys, what they do, where), as app.js implements them.
SHORTCUTS = (
    ("/", "Go to the search box (or the page's first field)", "every page"),
    ("g then s / a / c / n / o", "Go to Search, Alerts, Changes, scaN, sOurces", "every page"),
    ("?", "This page", "every page"),
    ("j / k", "Next / previous alert", "alert queue and one alert"),
    ("Enter", "Open the selected alert", "alert queue"),
    ("x", "Tick the selected alert, to decide several at once", "alert queue"),
    ("m", "Choose the decision: match (true hit)", "one alert"),
    ("f", "Choose the decision: false positive", "one alert"),
    ("e", "Choose the decision: escalate", "one alert"),
    ("r (or Tab after m / f / e)", "Write the reason (the decision keys never type into it)",
     "one alert"),
    ("Ctrl+Enter", "Send the decision once the reason is written", "one alert"),
    ("Esc", "Leave the field you are typing in", "every page"),
)


@router.get("/help")
def help_page(request: Request, user: User) -> Response:
    return page(request, "help.html", title="Keyboard shortcuts", shortcuts=SHORTCUTS)
