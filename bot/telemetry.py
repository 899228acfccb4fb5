"""The process's operational counters for operators, exported by `/metrics` (bot/web/ops.py).

Instruments sit at the core's single points: the pipeline entry (`Kenes.handle`), the one
outbound path (`Kenes.execute`), the scheduler's run of a job, the rule loader's reload and the
activity flush; adapters add what only they see (a 429, a retry, a per-chat queue). One
registry of our own, not prometheus_client's global one: a test process that builds several
bots still gets one set of names, and nothing else in the process leaks into our page.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

# The `_created` series double every counter on the page and no dashboard reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "kenes_updates_received",
    "Platform updates received (events entering the pipeline), by platform.",
    ["platform"],
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "kenes_handler_seconds",
    "Time one event spends in the pipeline and its handlers.",
    ["platform"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
ACTIONS = Counter(
    "kenes_actions",
    "Actions sent to a platform, by platform, action type and result"
    " (ok, refused, unsupported, error).",
    ["platform", "action", "result"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "kenes_rate_limited",
    "HTTP 429 answers (rate limits) received from a platform.",
    ["platform"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "kenes_retries",
    "Platform calls tried again after a 429 or a network error.",
    ["platform"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "kenes_chat_queue_depth",
    "Updates waiting in the deepest per-chat queue, by platform.",
    ["platform"],
    registry=REGISTRY,
)
QUEUED_CHATS = Gauge(
    "kenes_chat_queues",
    "Chats with updates waiting in their own queue, by platform.",
    ["platform"],
    registry=REGISTRY,
)
SCHEDULER_LAG = Histogram(
    "kenes_scheduler_lag_seconds",
    "How late a scheduled job started after its due time.",
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0),
    registry=REGISTRY,
)
SCHEDULER_FAILURES = Counter(
    "kenes_scheduler_pass_failures",
    "Scheduler passes that failed as a whole (e.g. the database was unreachable).",
    registry=REGISTRY,
)
JOBS = Counter(
    "kenes_jobs",
    "Scheduled jobs run, by kind and result (done, retry, failed).",
    ["kind", "result"],
    registry=REGISTRY,
)
FLUSH_SECONDS = Histogram(
    "kenes_db_flush_seconds",
    "Time one activity-ledger flush to the database takes.",
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0),
    registry=REGISTRY,
)
RULE_RELOADS = Counter(
    "kenes_rule_reloads",
    "Rule-file reloads, by result (ok, rejected).",
    ["result"],
    registry=REGISTRY,
)
