"""Payment screening throughput: messages per second parsed, and parsed + screened against
the lists of the current store ($WATCHLIST_HOME).

    python bench/payments.py [--count 2000]

Messages are the test fixtures with the ordering customer, beneficiary and remittance text
replaced by generated company names, so no two messages are alike.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from watchlist.screener import Screener
from watchlist.store.store import Store
from watchlist.text import Scanner
from watchlist.text.payments import Payment, read_payments
from watchlist.text.payments.screen import screen_payment

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "payments"
WORDS = ("NORD SUED OST WEST ALPEN DONAU RHEIN BALTIC IBERIA ATLANTIC HANSA LUMEN VECTOR "
         "AGRAR METALL TEXTIL HOLZ CHEMIE LOGISTIK HANDEL TECHNIK BAU ENERGIE").split()
FORMS = ["GMBH", "AG", "SA", "SARL", "BV", "OY", "AB", "SPA", "LTD", "KG"]


def company(rnd: random.Random) -> str:
    return " ".join(rnd.sample(WORDS, rnd.randint(2, 3)) + [rnd.choice(FORMS)])


def messages(count: int) -> list[tuple[str, str]]:
    """(format, text) pairs: MT103 and pacs.008 in turn, parties and text varied."""
    rnd = random.Random(11)
    mt = (FIXTURES / "mt103_clean.fin").read_text()
    xml = (FIXTURES / "pacs008_v02_clean.xml").read_text()
    out = []
    for i in range(count):
        a, b = company(rnd), company(rnd)
        if i % 2:
            text = (mt.replace("VAN DER BERG LOGISTIEK B.V.", a[:35])
                    .replace("OY NORDIC TIMBER AB", b[:35])
                    .replace("INVOICE 2024-118 PINE LUMBER", f"INVOICE {i} {company(rnd)}"[:35]))
            out.append(("mt103", text))
        else:
            text = (xml.replace("Bakkerij de Gouden Korenschoof B.V.", a)
                    .replace("Muehlenwerke Rheinland GmbH", b)
                    .replace("Rechnung 2024-0311 Weizenmehl Type 550",
                             f"Rechnung {i} {company(rnd)}"))
            out.append(("pacs008", text))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="payment screening throughput")
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    batch = messages(args.count)
    for kind, text in batch[:2]:  # load the country table once, before timing
        list(read_payments(text, "warm-up", kind))

    start = time.perf_counter()
    parsed: list[Payment] = []
    for n, (kind, text) in enumerate(batch):
        for item in read_payments(text, f"bench {n}", kind):
            assert isinstance(item, Payment), item
            parsed.append(item)
    elapsed = time.perf_counter() - start
    print(f"parse          {len(parsed):>6} messages in {elapsed:6.2f} s "
          f"({len(parsed) / elapsed:,.0f} messages/s)")

    store = Store()
    start = time.perf_counter()
    screener = Screener.open(store)
    scanner = Scanner(screener.index, store=store)
    opened = time.perf_counter() - start
    parties = sum(len(p.parties) for p in parsed)
    texts = sum(len(p.texts) for p in parsed)
    start = time.perf_counter()
    hits = 0
    for payment in parsed:
        hits += screen_payment(screener, scanner, payment).hit_count
    elapsed = time.perf_counter() - start
    print(f"lists          {screener.index.summary()} opened in {opened:.1f} s")
    print(f"screen         {len(parsed):>6} messages ({parties} parties, {texts} texts) in "
          f"{elapsed:6.2f} s ({len(parsed) / elapsed:,.0f} messages/s, "
          f"{1000 * elapsed / len(parsed):.1f} ms each); {hits} hits")


if __name__ == "__main__":
    main()
