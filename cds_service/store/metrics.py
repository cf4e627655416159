"""Prometheus metrics of the store, for the ops `/metrics` endpoint to expose.

They live in the default registry (`prometheus_client.REGISTRY`), created once at
import. None carries a label that could identify a patient, a card or a token.

    cds_audit_queue_depth                     audit records waiting for the writer
    cds_audit_records_written_total           audit records committed
    cds_audit_write_errors_total              failed write attempts (each may be retried)
    cds_audit_records_lost_total{reason}      given up: queue_full | write_failed | shutdown
    cds_suppression_lookups_failed_total{reason}  lookups that failed open: timeout | error
    cds_cards_suppressed_total                cards withheld by alert-fatigue control
    cds_feedback_items_total{result}          feedback items: stored | duplicate | unknown_card
    cds_feedback_writes_failed_total          feedback requests answered 503
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

__all__ = [
    "AUDIT_QUEUE_DEPTH",
    "AUDIT_RECORDS_LOST",
    "AUDIT_RECORDS_WRITTEN",
    "AUDIT_WRITE_ERRORS",
    "CARDS_SUPPRESSED",
    "FEEDBACK_ITEMS",
    "FEEDBACK_WRITES_FAILED",
    "SUPPRESSION_LOOKUPS_FAILED",
]

# livesum: with several workers (PROMETHEUS_MULTIPROC_DIR) /metrics shows one total of
# the live processes' queues, not a series per process.
AUDIT_QUEUE_DEPTH = Gauge(
    "cds_audit_queue_depth", "Audit records waiting to be written", multiprocess_mode="livesum"
)
AUDIT_RECORDS_WRITTEN = Counter("cds_audit_records_written", "Audit records committed")
AUDIT_WRITE_ERRORS = Counter(
    "cds_audit_write_errors", "Failed audit write attempts, including ones later retried"
)
AUDIT_RECORDS_LOST = Counter(
    "cds_audit_records_lost", "Audit records that could not be written", ["reason"]
)
SUPPRESSION_LOOKUPS_FAILED = Counter(
    "cds_suppression_lookups_failed",
    "Suppression lookups that failed open (all cards shown)",
    ["reason"],
)
CARDS_SUPPRESSED = Counter("cds_cards_suppressed", "Cards withheld by alert-fatigue control")
FEEDBACK_ITEMS = Counter("cds_feedback_items", "Feedback items received", ["result"])
FEEDBACK_WRITES_FAILED = Counter(
    "cds_feedback_writes_failed", "Feedback requests that could not be stored (503)"
)
