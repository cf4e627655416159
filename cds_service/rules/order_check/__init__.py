"""The order-sign checks of clinical-knowledge §6, one module per card topic.

    >>> evaluate_order_sign(facts, drafts, now)          # doctest: +SKIP
    [Finding(topic=<OrderTopic.HYPOCALCEMIA: 'bma-order-hypocalcemia'>, ...)]

Each check is a pure function of (PatientFacts, DraftOrders, now). Findings come in
the order of the §6 table. Problems of the patient rather than of one draft
(hypocalcemia, calcium unknown, renal function unknown, dental care, supplements) get
one card naming every draft they concern; problems of a draft (renal dose, dose
intent, duplicate) one card per draft, each with its own update / delete action.
Drafts that name no bone-modifying agent are ignored; a deceased patient (§1) gets
no cards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.model import PatientFacts
from cds_service.rules.findings import Finding
from cds_service.rules.order_check import (
    calcium_unknown,
    dental,
    dose_intent,
    duplicate,
    hypocalcemia,
    renal_dose,
    renal_unknown,
    supplements,
)
from cds_service.rules.order_check.drafts import bma_drafts
from cds_service.rules.scope import is_deceased

Check = Callable[[PatientFacts, DraftOrders, datetime], list[Finding]]

CHECKS: tuple[Check, ...] = (
    hypocalcemia.evaluate,
    calcium_unknown.evaluate,
    renal_dose.evaluate,
    renal_unknown.evaluate,
    dental.evaluate,
    supplements.evaluate,
    dose_intent.evaluate,
    duplicate.evaluate,
)


def evaluate_order_sign(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    """Every §6 finding for these draft orders at `now` (the caller's clock)."""
    if is_deceased(facts) or not bma_drafts(drafts):
        return []
    return [finding for check in CHECKS for finding in check(facts, drafts, now)]


__all__ = ["CHECKS", "evaluate_order_sign"]
