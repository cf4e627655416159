"""Bone-modifying agents and supplements: codes, names, doses (clinical-knowledge §4, CV).

Values are the string values of `facts.model.Agent`, `Intent` and `Supplement`
(knowledge imports nothing from the service). An agent is recognised by a verified
RxNorm code at any level (ingredient, brand, product) or by name; unverified product
codes of `codes-verified.md` ("CV") are recognised by their display text only.

    >>> classify_product("1.7 ML denosumab 70 MG/ML Injection")
    Product(agent='denosumab', dose_mg=Decimal('119.0'), intent='oncology')
    >>> classify_product("ibandronate").intent
    'unknown'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from cds_service.knowledge import thresholds as th
from cds_service.knowledge.codes import normalize_text

DENOSUMAB = "denosumab"
ZOLEDRONIC_ACID = "zoledronic-acid"
PAMIDRONATE = "pamidronate"
IBANDRONATE = "ibandronate"
ALENDRONATE = "alendronate"
RISEDRONATE = "risedronate"
ETIDRONATE = "etidronate"

ONCOLOGY = "oncology"
OSTEOPOROSIS = "osteoporosis"
UNKNOWN = "unknown"

CALCIUM = "calcium"
VITAMIN_D = "vitamin-d"


@dataclass(frozen=True, slots=True)
class Product:
    """What a code or a display says: the agent, the dose (mg) if stated, the intent."""

    agent: str
    dose_mg: Decimal | None
    intent: str


# --- RxNorm, verified codes only (CV "Medications"; VSAC 762.1206.50) ------------------
# Ingredients and generic forms: agent only, intent decided by dose (§4).
AGENT_BY_RXNORM: dict[str, str] = {
    "993449": DENOSUMAB,  # IN denosumab
    "1157742": DENOSUMAB,  # denosumab Injectable Product
    "77655": ZOLEDRONIC_ACID,  # IN zoledronic acid
    "11473": PAMIDRONATE,  # IN pamidronate
    "115264": IBANDRONATE,  # IN ibandronate
    "115265": IBANDRONATE,  # IN ibandronic acid
    "1659716": IBANDRONATE,  # ibandronate Injection (762.1206.50)
    "46041": ALENDRONATE,  # IN alendronate
    "203152": ALENDRONATE,  # alendronate sodium
    "55685": RISEDRONATE,  # IN risedronic acid
    "73056": RISEDRONATE,  # risedronate
    "42682": ETIDRONATE,  # IN etidronate
}
# Brands and products whose dose (hence intent) the code itself fixes.
PRODUCT_BY_RXNORM: dict[str, Product] = {
    "1046399": Product(DENOSUMAB, th.DENOSUMAB_ONCOLOGY_MG, ONCOLOGY),  # BN Xgeva
    "993453": Product(DENOSUMAB, th.DENOSUMAB_OSTEOPOROSIS_MG, OSTEOPOROSIS),  # BN Prolia
    "993455": Product(DENOSUMAB, th.DENOSUMAB_OSTEOPOROSIS_MG, OSTEOPOROSIS),  # Prolia syringe
    "351114": Product(ZOLEDRONIC_ACID, Decimal(4), ONCOLOGY),  # 5 ML 0.8 MG/ML
    "1114085": Product(ZOLEDRONIC_ACID, Decimal(4), ONCOLOGY),  # 100 ML 0.04 MG/ML
    "1865665": Product(ZOLEDRONIC_ACID, Decimal(4), ONCOLOGY),  # 4 MG Injection
    "705824": Product(ZOLEDRONIC_ACID, Decimal(5), OSTEOPOROSIS),  # 100 ML 0.05 MG/ML
    "705875": Product(ZOLEDRONIC_ACID, Decimal(5), OSTEOPOROSIS),  # … [Reclast]
    "705872": Product(ZOLEDRONIC_ACID, Decimal(5), OSTEOPOROSIS),  # BN Reclast
    "1865680": Product(ZOLEDRONIC_ACID, Decimal(5), OSTEOPOROSIS),  # Injection [Reclast]
    # §4: IV ibandronate is not a US oncology product → intent unknown.
    "904952": Product(IBANDRONATE, Decimal(3), UNKNOWN),  # 3 ML 1 MG/ML Prefilled Syringe
    "904954": Product(IBANDRONATE, Decimal(3), UNKNOWN),  # … [Boniva]
    "1165298": Product(IBANDRONATE, None, OSTEOPOROSIS),  # ibandronate Pill (oral)
    "904396": Product(ALENDRONATE, Decimal(35), OSTEOPOROSIS),  # 35 MG Oral Tablet
    "904419": Product(ALENDRONATE, Decimal(10), OSTEOPOROSIS),  # 10 MG Oral Tablet
    "1157390": Product(ETIDRONATE, None, OSTEOPOROSIS),  # etidronate Pill
}

# --- names (§4: "by name in CodeableConcept.text / coding.display") -------------------
# Brand names fix agent, dose and intent (CV: Xgeva biosimilars 120 mg; Prolia
# biosimilars 60 mg; Zometa 4 mg; Reclast / Aclasta 5 mg).
_BRANDS: tuple[tuple[str, Product], ...] = (
    tuple(
        (name, Product(DENOSUMAB, th.DENOSUMAB_ONCOLOGY_MG, ONCOLOGY))
        for name in ("xgeva", "bomyntra", "wyost", "osenvelt", "denosumab-bmwo")
    )
    + tuple(
        (name, Product(DENOSUMAB, th.DENOSUMAB_OSTEOPOROSIS_MG, OSTEOPOROSIS))
        for name in ("prolia", "jubbonti", "ospomyv", "bildyos", "osvyrti")
    )
    + (
        ("zometa", Product(ZOLEDRONIC_ACID, th.ZOLEDRONIC_ONCOLOGY_MG, ONCOLOGY)),
        ("reclast", Product(ZOLEDRONIC_ACID, th.ZOLEDRONIC_OSTEOPOROSIS_MG, OSTEOPOROSIS)),
        ("aclasta", Product(ZOLEDRONIC_ACID, th.ZOLEDRONIC_OSTEOPOROSIS_MG, OSTEOPOROSIS)),
    )
)
_INGREDIENTS: tuple[tuple[str, str], ...] = (
    ("denosumab", DENOSUMAB),
    ("zoledron", ZOLEDRONIC_ACID),  # zoledronic acid, zoledronate
    ("pamidron", PAMIDRONATE),
    ("aredia", PAMIDRONATE),
    ("ibandron", IBANDRONATE),
    ("boniva", IBANDRONATE),
    ("alendron", ALENDRONATE),
    ("fosamax", ALENDRONATE),
    ("risedron", RISEDRONATE),
    ("actonel", RISEDRONATE),
    ("atelvia", RISEDRONATE),
    ("etidron", ETIDRONATE),
    ("didronel", ETIDRONATE),
)
_ORAL_ONLY = frozenset({ALENDRONATE, RISEDRONATE, ETIDRONATE})  # §4: osteoporosis
_ORAL_WORDS = re.compile(r"\b(oral|tablet|pill|capsule|po)\b")
_VOLUME_STRENGTH = re.compile(
    r"(\d+(?:\.\d+)?)\s*ml\b[^0-9]*?(\d+(?:\.\d+)?)\s*mg\s*/\s*ml\b", re.IGNORECASE
)
_MG = re.compile(r"(\d+(?:\.\d+)?)\s*mg\b(?!\s*/)", re.IGNORECASE)


def is_oral_text(text: str) -> bool:
    """Does a product display or route text say the product is taken by mouth?"""
    return bool(_ORAL_WORDS.search(normalize_text(text)))


_CONCENTRATION = re.compile(r"(\d+(?:\.\d+)?)\s*mg\s*/\s*ml\b", re.IGNORECASE)


def concentration_mg_per_ml(text: str) -> Decimal | None:
    """The mg/mL a product display states ("… 70 MG/ML Injection" → 70)."""
    match = _CONCENTRATION.search(text)
    return Decimal(match.group(1)) if match else None


def strength_mg(text: str) -> Decimal | None:
    """The dose a product display states: "1.7 ML … 70 MG/ML" → 119.0; "4 MG" → 4."""
    match = _VOLUME_STRENGTH.search(text)
    if match:
        return Decimal(match.group(1)) * Decimal(match.group(2))
    match = _MG.search(text)
    return Decimal(match.group(1)) if match else None


def _near(dose: Decimal, nominal: Decimal) -> bool:
    return abs(dose - nominal) <= nominal * th.DOSE_MATCH_RELATIVE_TOLERANCE


# Zometa renally adjusted doses (§4 bands) are oncology doses too.
_ZOLEDRONIC_ONCOLOGY_DOSES = (Decimal("4.0"), Decimal("3.5"), Decimal("3.3"), Decimal("3.0"))


def intent_for_dose(agent: str, dose_mg: Decimal | None, *, oral: bool = False) -> str:
    """§4: oncology vs osteoporosis by agent and dose; unknown when undecidable."""
    if agent in _ORAL_ONLY:
        return OSTEOPOROSIS
    if agent == PAMIDRONATE:
        return ONCOLOGY  # §4: pamidronate has only the oncology regimen
    if agent == IBANDRONATE:
        return OSTEOPOROSIS if oral else UNKNOWN  # IV / ingredient only: unknown
    if dose_mg is None:
        return UNKNOWN
    if agent == DENOSUMAB:
        if _near(dose_mg, th.DENOSUMAB_ONCOLOGY_MG):
            return ONCOLOGY
        if _near(dose_mg, th.DENOSUMAB_OSTEOPOROSIS_MG):
            return OSTEOPOROSIS
    if agent == ZOLEDRONIC_ACID:
        if _near(dose_mg, th.ZOLEDRONIC_OSTEOPOROSIS_MG):
            return OSTEOPOROSIS
        if any(_near(dose_mg, d) for d in _ZOLEDRONIC_ONCOLOGY_DOSES):
            return ONCOLOGY
    return UNKNOWN


def _at_word_start(name: str) -> re.Pattern[str]:
    return re.compile(r"\b" + re.escape(name))


# Compiled once: a name counts at the start of a word ("zoledron" in "Zoledronic").
# The list order decides between two names in one text, so each keeps its pattern;
# one alternation of all of them rules out, in a single scan, texts naming none.
_BRAND_PATTERNS = tuple((_at_word_start(name), product) for name, product in _BRANDS)
_INGREDIENT_PATTERNS = tuple((_at_word_start(name), agent) for name, agent in _INGREDIENTS)
_ANY_NAME = re.compile(
    r"\b(?:" + "|".join(re.escape(name) for name, _ in (*_BRANDS, *_INGREDIENTS)) + ")"
)


def classify_product(text: str) -> Product | None:
    """Agent, stated dose and intent from a display / text; None if no BMA is named."""
    folded = normalize_text(text)
    if _ANY_NAME.search(folded) is None:
        return None
    for pattern, product in _BRAND_PATTERNS:
        if pattern.search(folded):
            return product
    for pattern, agent in _INGREDIENT_PATTERNS:
        if pattern.search(folded):
            dose = strength_mg(folded)
            oral = bool(_ORAL_WORDS.search(folded))
            return Product(agent, dose, intent_for_dose(agent, dose, oral=oral))
    return None


# --- supplements (§6 bma-order-supplements; CV) ----------------------------------------
SUPPLEMENTS_BY_RXNORM: dict[str, frozenset[str]] = {
    "2418": frozenset({VITAMIN_D}),  # cholecalciferol
    "11253": frozenset({VITAMIN_D}),  # vitamin D
    "199362": frozenset({VITAMIN_D}),  # cholecalciferol 0.025 MG Oral Tablet
    "801663": frozenset({VITAMIN_D}),  # cholecalciferol 0.05 MG Oral Tablet
    "1897": frozenset({CALCIUM}),  # calcium carbonate
    "1895": frozenset({CALCIUM}),  # calcium
}
_SUPPLEMENT_NAMES: tuple[tuple[str, str], ...] = (
    ("calcium carbonate", CALCIUM),
    ("calcium citrate", CALCIUM),
    ("calcium gluconate", CALCIUM),
    ("calcium lactate", CALCIUM),
    ("calcium phosphate", CALCIUM),
    ("cholecalciferol", VITAMIN_D),
    ("ergocalciferol", VITAMIN_D),
    ("vitamin d", VITAMIN_D),
)
# §6: "not leucovorin calcium or other drugs that are calcium salts".
_NOT_SUPPLEMENTS = re.compile(r"\b(leucovorin|folinate|levoleucovorin)")


def supplements_named(text: str) -> frozenset[str]:
    """Calcium / vitamin D named in a display (combination tablets name both)."""
    folded = normalize_text(text)
    if _NOT_SUPPLEMENTS.search(folded):
        return frozenset()
    return frozenset(kind for name, kind in _SUPPLEMENT_NAMES if name in folded)
