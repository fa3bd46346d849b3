"""The bot's Prometheus metrics, on a registry of its own (one per application: tests build many
apps in one process, and the global registry would mix them).

The core calls one method per event (:meth:`Metrics.due`, :meth:`sent`, :meth:`failed`,
:meth:`vote`…); ``fronts/ops.py`` serves :attr:`Metrics.registry` as ``/metrics``. Labels are
the front and the delivery kind only: never a user, a channel or a session.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from bot.announce.model import Delivery

# No ``*_created`` series beside every counter and histogram: they double the output and say
# only when the process started (process_start_time_seconds does). A process-wide switch.
disable_created_metrics()

#: Seconds after its due time a delivery left (0.1 s … 10 min).
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: Lanes of the announcer's queue (``bot.announce.fanout``): channel posts, private messages,
#: posts for many followers, followers added to a group.
QUEUES = ("post", "dm", "group", "member")


def version() -> str:
    try:
        return metadata.version("l4a-bot")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


class Metrics:
    def __init__(self, *, late_seconds: float = 60.0) -> None:
        self.registry = registry = CollectorRegistry()
        self.late_seconds = late_seconds
        kinds = ["front", "kind"]
        self.deliveries_due = Counter(
            "l4a_deliveries_due",
            "Deliveries (announcements, reminders, notices) handed to the sender when due",
            kinds,
            registry=registry,
        )
        self.deliveries_sent = Counter(
            "l4a_deliveries_sent", "Deliveries sent", kinds, registry=registry
        )
        self.deliveries_late = Counter(
            "l4a_deliveries_late",
            "Deliveries sent more than ops.late_seconds after their due time, or not sent "
            "because they were more than grace_minutes late",
            kinds,
            registry=registry,
        )
        self.deliveries_failed = Counter(
            "l4a_deliveries_failed",
            "Deliveries that failed for good (permanent error, or retries used up)",
            kinds,
            registry=registry,
        )
        self.delivery_retries = Counter(
            "l4a_delivery_retries",
            "Transient delivery failures that will be tried again",
            kinds,
            registry=registry,
        )
        self.lateness = Histogram(
            "l4a_delivery_lateness_seconds",
            "Seconds between a delivery's due time and its sending",
            ["front"],
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )
        self.rate_limited = Counter(
            "l4a_rate_limited",
            "Sends the platform refused for now (HTTP 429), waited out and tried again",
            ["front"],
            registry=registry,
        )
        self.queue_depth = Gauge(
            "l4a_outbox_queue_depth",
            "Deliveries waiting in the announcer's queue, by front and lane",
            ["front", "queue"],
            registry=registry,
        )
        self.votes = Counter(
            "l4a_votes",
            "Poll votes committed (confirmed to the voter)",
            ["front"],
            registry=registry,
        )
        self.proposals = Gauge(
            "l4a_proposals", "Open-space proposals by status", ["status"], registry=registry
        )
        Info("l4a_build", "The bot's version", registry=registry).info(
            {"version": version(), "python": platform.python_version()}
        )
        self._votes: dict[str, Counter] = {}
        # process_start_time_seconds, CPU, memory, open files (Linux /proc)
        ProcessCollector(registry=registry)

    def front(self, front: str) -> None:
        """Show ``front``'s main series at 0 from the start (dashboards and ``increase()``
        then see the first event)."""
        for kind in ("announce", "remind"):
            for counter in (
                self.deliveries_due, self.deliveries_sent, self.deliveries_late,
                self.deliveries_failed, self.delivery_retries,
            ):  # fmt: skip
                counter.labels(front, kind)
        for queue in QUEUES:
            self.queue_depth.labels(front, queue)
        self.lateness.labels(front)

    # -- deliveries (bot.announce) -------------------------------------------------------------
    def due(self, d: Delivery) -> None:
        """``d`` fell due and goes to the sender."""
        self.deliveries_due.labels(d.front, d.kind).inc()

    def too_late(self, deliveries: Iterable[Delivery]) -> None:
        """Not sent: more than ``grace_minutes`` late."""
        for d in deliveries:
            self.deliveries_late.labels(d.front, d.kind).inc()

    def sent(self, d: Delivery, lateness: float) -> None:
        """``d`` left ``lateness`` seconds after its due time."""
        self.deliveries_sent.labels(d.front, d.kind).inc()
        self.lateness.labels(d.front).observe(max(lateness, 0.0))
        if lateness > self.late_seconds:
            self.deliveries_late.labels(d.front, d.kind).inc()

    def failed(self, d: Delivery, *, final: bool) -> None:
        """A delivery failed: for good (``final``), or it will be tried again."""
        (self.deliveries_failed if final else self.delivery_retries).labels(d.front, d.kind).inc()

    def queued(self, d: Delivery, queue: str, change: int = 1) -> None:
        """``d`` entered (``+1``) or left (``-1``) the lane ``queue``."""
        self.queue_depth.labels(d.front, queue).inc(change)

    # -- polls -----------------------------------------------------------------------------
    def vote(self, front: str) -> None:
        """Once per committed vote (thousands a second in a burst): the front's child is kept."""
        child = self._votes.get(front)
        if child is None:
            child = self._votes[front] = self.votes.labels(front)
        child.inc()

    def polls_open(self, count: Callable[[], float]) -> None:
        """The open polls, counted when scraped."""
        Gauge("l4a_polls_open", "Polls open now", registry=self.registry).set_function(count)

    def set_proposals(self, by_status: dict[str, int]) -> None:
        for status, count in by_status.items():
            self.proposals.labels(status).set(count)

    def add(self, collector: Collector) -> None:
        self.registry.register(collector)


class GaugesOf(Collector):
    """Gauges computed when scraped from ``read()``: ``(name, help, labels, samples)`` with
    ``samples`` a list of ``(label values, value)``."""

    def __init__(
        self, read: Callable[[], list[tuple[str, str, list[str], list[tuple[list[str], float]]]]]
    ) -> None:
        self.read = read

    def collect(self) -> Iterable[Metric]:
        for name, doc, labels, samples in self.read():
            family = GaugeMetricFamily(name, doc, labels=labels)
            for values, value in samples:
                family.add_metric(values, value)
            yield family
