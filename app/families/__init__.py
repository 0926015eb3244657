"""The record families, each described once (``app.families.base``)."""

from app.families.base import Family
from app.families.claim import CLAIM
from app.families.risk import RISK
from app.families.sentence import SENTENCE

FAMILIES: dict[str, Family] = {family.kind: family for family in (SENTENCE, RISK, CLAIM)}

__all__ = ["CLAIM", "FAMILIES", "RISK", "SENTENCE", "Family"]
