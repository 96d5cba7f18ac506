"""The ownership page: why a party is blocked by ownership, every path, and its owners and
holdings as an SVG tree whose parties are links (reachable by keyboard) and as nested
lists; the search page links an ownership hit there."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import module_home
from watchlist.web.ownership_tree import MAX_PER_ROW, layout
from webstore import PASSWORD, ownership_app

OWNERS = """owner,owned,share,as_of,source
Banco Nacional de Cuba,Caribe Holdings SA,55,2024-03-31,annual report 2023
Caribe Holdings SA,Blue River Trading Ltd,60,2024-05-01,registry extract
Caribe Holdings SA,Harbour <b>Bold</b> Ltd,20,,
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with module_home(tmp_path_factory, "web-ownership") as home:
        with TestClient(ownership_app(home, OWNERS)) as web:
            form = web.get("/ui/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            answer = web.post("/ui/login", data={"csrf_token": html.unescape(csrf),
                                                 "method": "password", "name": "analyst",
                                                 "password": PASSWORD, "next": "/ui/search"})
            assert answer.status_code == 200
            yield web


def test_the_page_gives_the_rule_the_path_and_the_tree(client):
    page = client.get("/ui/ownership/name-caribe-holdings-sa")
    assert page.status_code == 200
    text = page.text
    assert "us-ofac-50" in text and "owns 55% of Caribe Holdings SA" in text
    assert "annual report 2023" in text and "2024-03-31" in text
    svg = text[text.index("<svg class=\"ownership-tree\""):text.index("</svg>")]
    links = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)"', svg)
    assert ("/ui/ownership/us-ofac-sdn-306", "BANCO NACIONAL DE CUBA, listed, 55%") in links
    assert any(label.startswith("Blue River Trading Ltd, blocked by ownership, 60%")
               for _href, label in links)
    assert "<b>Bold</b>" not in text and "Harbour &lt;b&gt;Bold&lt;/b&gt; Ltd" in text
    assert re.search(r'←</span> <a href="/ui/ownership/us-ofac-sdn-306">BANCO NACIONAL DE CUBA</a>',
                     text), "the owners as a nested list"


def test_a_listed_party_shows_its_holdings_and_links_its_profile(client):
    page = client.get("/ui/ownership/us-ofac-sdn-306")
    assert page.status_code == 200
    assert "Listed itself." in page.text and "/ui/profiles/us-ofac-sdn-306" in page.text
    assert "Caribe Holdings SA" in page.text


def test_an_unknown_party_is_a_404(client):
    assert client.get("/ui/ownership/nobody").status_code == 404


def test_search_links_an_ownership_hit_to_its_page(client):
    form = client.get("/ui/search")
    search_token = re.search(r'name="t" value="([^"]+)"', form.text).group(1)
    page = client.get("/ui/search", params={"name": "Blue River Trading", "t": search_token})
    assert "/ui/ownership/name-blue-river-trading-ltd" in page.text
    assert "not listed: blocked by ownership (us-ofac-50)" in page.text


def test_a_wide_row_is_cut_and_counted():
    tree = {"id": "c", "name": "C", "status": "blocked", "owners": [],
            "holdings": [{"id": f"h{i}", "name": f"H{i}", "status": None, "kind": "ownership",
                          "share": 10.0, "share_high": 10.0, "next": []} for i in range(20)]}
    drawing = layout(tree)
    assert len(drawing.boxes) == 1 + MAX_PER_ROW and drawing.hidden == {1: 20 - MAX_PER_ROW}
    assert all(line.label == "10%" for line in drawing.lines)
