"""The service's Prometheus metrics (prometheus-client), and their exposition.

Counters and histograms live in the process that counts them. `watchlist serve` with more
than one worker sets PROMETHEUS_MULTIPROC_DIR before the workers start, so each writes its
values to files there and whichever worker answers /metrics adds them all up. What the store
knows (each list's version, ages, last update) is read when /metrics is asked, by the
collectors passed to `exposition`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter("watchlist_http_requests", "HTTP requests answered, by route and status.",
                   ["route", "method", "status"])
LATENCY = Histogram("watchlist_http_request_duration_seconds",
                    "Time to answer an HTTP request, by route.", ["route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
SCREENED = Counter("watchlist_queries_screened", "Queries (names, parties) screened.")
HITS = Counter("watchlist_hits", "Hits returned by screenings.")
ALERTS_OPENED = Counter("watchlist_alerts_opened", "Monitoring alerts opened (new).")
ALERTS_DECIDED = Counter("watchlist_alerts_decided", "Alert decisions recorded, by decision.",
                         ["decision"])
INDEX_BUILD = Histogram("watchlist_index_build_seconds",
                        "Time to build the screening index of new list versions.",
                        buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800))
UPDATE_RUNS = Counter("watchlist_update_runs", "Scheduled update runs, by outcome.",
                      ["outcome"])
AUDIT_QUEUE = Gauge("watchlist_audit_queue_depth",
                    "Screenings waiting for the audit writer.", multiprocess_mode="livesum")
AUDIT_COMMIT = Histogram("watchlist_audit_commit_seconds",
                         "Time to commit one group of audit entries.",
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1))
WEBHOOK_DELIVERIES = Counter("watchlist_webhook_deliveries",
                             "Webhook delivery attempts, by event and outcome.",
                             ["event", "outcome"])


def multiprocess_mode() -> bool:
    """Whether values go to files shared by worker processes."""
    return bool(os.environ.get(MULTIPROC_ENV))


def prepare_multiprocess_dir(path: Path) -> None:
    """An empty directory for the workers' metric files (a previous run's are removed)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)


class _Forward(Collector):
    """The metrics of another registry (this process's default one)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        return iter(self.registry.collect())


def registry_for(collectors: Iterable[Collector] = ()) -> CollectorRegistry:
    """A registry of every worker's metrics (or this process's) and those of `collectors`."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_mode():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    for collector in collectors:
        registry.register(collector)
    return registry


def exposition(collectors: Iterable[Collector] = ()) -> bytes:
    """The metrics of every worker (or of this process), and those of `collectors`, in the
    Prometheus text format."""
    return generate_latest(registry_for(collectors))


def serve_metrics(host: str, port: int, collectors: Iterable[Collector] = ()) -> None:
    """Serve the metrics on a port of their own (no key: bind it to a private address)."""
    start_http_server(port, addr=host, registry=registry_for(list(collectors)))
