"""The service's health as /readyz, the pages' banner and /metrics report it: each serving
list's staleness (`staleness.py`) from the store, and the reasons the service is degraded."""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from watchlist.operations.checks import OUTCOMES, read_checks
from watchlist.operations.staleness import SourceHealth, assess
from watchlist.store.store import Store


def source_health(store: Store, now: float | None = None) -> list[SourceHealth]:
    """The health of every serving list, now."""
    return assess(store.serving(), read_checks(store), time.time() if now is None else now)


def degraded_reasons(store: Store) -> list[str]:
    """Why the service is degraded (a stale, failing or held list); empty when it is not."""
    return [reason for health in source_health(store) for reason in health.reasons]


_CACHE: dict[str, tuple[float, list[str]]] = {}


def recent_reasons(store: Store, seconds: float = 5.0) -> list[str]:
    """`degraded_reasons`, read from the store at most once per `seconds` (every page shows
    them; a page view should not cost two more queries)."""
    now = time.monotonic()
    cached = _CACHE.get(store.url)
    if cached is None or now - cached[0] >= seconds:
        cached = (now, degraded_reasons(store))
        _CACHE[store.url] = cached
    return cached[1]


class SourceCollector(Collector):
    """Each serving list's version, ages, staleness and last update outcome, read from the
    store when /metrics is asked."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        health = source_health(self.store)
        version = GaugeMetricFamily("watchlist_source_version",
                                    "The version number of each list that serves.",
                                    labels=["source"])
        published = GaugeMetricFamily("watchlist_source_published_age_seconds",
                                      "Age of each serving list by its publisher's date.",
                                      labels=["source"])
        fetched = GaugeMetricFamily("watchlist_source_fetch_age_seconds",
                                    "Time since each list was last fetched successfully.",
                                    labels=["source"])
        stale = GaugeMetricFamily("watchlist_source_stale",
                                  "1 when a list is stale, failing or held (see /readyz).",
                                  labels=["source"])
        failures = GaugeMetricFamily("watchlist_source_update_failures",
                                     "Scheduled updates of each list failed in a row.",
                                     labels=["source"])
        outcome = GaugeMetricFamily("watchlist_source_last_update",
                                    "1 for the outcome of each list's last scheduled update.",
                                    labels=["source", "outcome"])
        for h in health:
            version.add_metric([h.source], h.version)
            if h.published_age is not None:
                published.add_metric([h.source], h.published_age)
            if h.fetch_age is not None:
                fetched.add_metric([h.source], h.fetch_age)
            stale.add_metric([h.source], int(h.stale))
            failures.add_metric([h.source], h.failures)
            if h.outcome is not None:
                for name in OUTCOMES:
                    outcome.add_metric([h.source, name], int(name == h.outcome))
        degraded = GaugeMetricFamily("watchlist_degraded",
                                     "1 when /readyz reports the service degraded.")
        degraded.add_metric([], int(any(h.stale for h in health)))
        yield from (version, published, fetched, stale, failures, outcome, degraded)
