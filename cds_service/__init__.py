"""CDS Hooks service for breast cancer bone metastasis.

Data flows one way: protocol (CDS Hooks, prefetch, FHIR fetch, auth) → facts
(FHIR R4 → typed clinical facts) → rules (pure functions of facts and `now`) →
cards (findings + content from `cards/`) → HTTP response and audit record.
"""

__version__ = "0.1.0"
