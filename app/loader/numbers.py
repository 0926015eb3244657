"""Reading the numbers a quote states, so the loader can check a record's value against its
evidence (docs/curation.md, rules "Value" and "Precision").

A quote is read as a list of ``Reading``: each number it writes, with what it says about that
number's precision. The forms are those of the seed's quotes, in their languages:

- digits, with thousands grouped by a comma, a dot or a space (also non-breaking and thin
  spaces): "684", "1,200", "1.200", "20 538"; a decimal comma or dot: "2.5", "0,38". A
  separator followed by three digits is read both ways ("1,369" is 1369 or 1.369): a reading
  only has to be possible, since the rules ask whether the quote *can* state the value;
- a multiplier word after the number: "5,2mila", "11,7 тысячи", "70 тыс.", "2.3 million",
  "6 млн" (``MULTIPLIERS``): the value is then rounded, never exact;
- a word before it that qualifies it: "about", "почти", "quelque", "more than", "свыше", "at
  least", "не менее" (``QUALIFYING_WORDS``), and a "+" after it ("30+ times");
- number words where the seed writes a figure in words: "three deaths", "twice", "в шесть раз"
  (``NUMBER_WORDS``).

Ranges need nothing of their own: "20-30%", "between 20% and 30%", "2.5–3" are two readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.vocab import ValueQualifier

# Words that qualify the number right after them, by the qualifier they imply. Matched case-
# insensitively, as whole words, immediately before the number (a Russian "в" may stand between:
# "примерно в шесть раз"). "up to" / "до" are left out: "up to 10 years" is a maximum, and "до"
# also means "to" in "с 2800 до 5600".
QUALIFYING_WORDS: dict[ValueQualifier, tuple[str, ...]] = {
    ValueQualifier.approximate: (
        *("about", "around", "approximately", "approx.", "almost", "nearly", "roughly", "some"),
        *("circa", "ca.", "почти", "около", "примерно", "приблизительно", "порядка"),
        *("quasi", "environ", "près de", "presque", "quelque", "quelques", "cerca de"),
        *("aproximadamente", "około", "prawie", "aproape", "aproximativ", "takmer", "približne"),
    ),
    ValueQualifier.more_than: (
        *("over", "more than", "upwards of", "более", "свыше", "больше", "plus de", "più di"),
        *("oltre", "mais de", "peste", "ponad", "viac ako", "viac než"),
    ),
    ValueQualifier.at_least: (
        *("at least", "не менее", "как минимум", "по меньшей мере", "cel puțin", "au moins"),
        *("almeno", "pelo menos", "co najmniej", "najmenej"),
    ),
    ValueQualifier.less_than: (
        *("less than", "fewer than", "under", "менее", "меньше", "moins de", "meno di"),
    ),
}

# A word after a number that multiplies it ("5,2mila" is 5,200), by its factor.
MULTIPLIERS: dict[str, float] = {
    "thousand": 1e3,
    "mila": 1e3,
    "mille": 1e3,
    "mil": 1e3,
    "mii": 1e3,
    "tisíc": 1e3,
    "tysięcy": 1e3,
    "тысяч": 1e3,
    "тысячи": 1e3,
    "тысяча": 1e3,
    "тысячам": 1e3,
    "тысячами": 1e3,
    "тыс.": 1e3,
    "тыс": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "milioane": 1e6,
    "milioni": 1e6,
    "миллион": 1e6,
    "миллиона": 1e6,
    "миллионов": 1e6,
    "млн": 1e6,
    "млн.": 1e6,
}

# Numbers the seed writes in words (English, Russian), including multiplying words.
NUMBER_WORDS: dict[str, float] = {
    **dict.fromkeys(("two", "twice", "double", "doubled", "twofold", "два", "две", "двух"), 2),
    **dict.fromkeys(("three", "threefold", "tripled", "три", "трех", "трёх", "трехкратным"), 3),
    **dict.fromkeys(("four", "fourfold", "quadrupled", "четыре", "четырех", "четырёх"), 4),
    **dict.fromkeys(("five", "fivefold", "пять", "пяти"), 5),
    **dict.fromkeys(("six", "sixfold", "шесть", "шести"), 6),
    **dict.fromkeys(("seven", "sevenfold", "семь", "семи"), 7),
    **dict.fromkeys(("eight", "восемь"), 8),
    **dict.fromkeys(("nine", "девять"), 9),
    **dict.fromkeys(("ten", "tenfold", "десять"), 10),
}

SPACES = " \u00a0\u2009\u202f"  # space, non-breaking, thin, narrow non-breaking
_GROUPED = rf"\d{{1,3}}(?:[,.{SPACES}]\d{{3}})+"
_NUMBER = re.compile(
    rf"(?<![\w.,])(?P<digits>{_GROUPED}(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\d])"
    rf"(?P<plus>\+)?(?:[{SPACES}]?(?P<multiplier>{'|'.join(map(re.escape, MULTIPLIERS))})"
    r"(?![\w]))?",
    re.IGNORECASE,
)
# Any word, looked up in NUMBER_WORDS (an alternation of every number word, matched at each
# position, cost ten times more).
_TOKEN = re.compile(r"\w+")
_WORDS = frozenset(NUMBER_WORDS)
_QUALIFIER_BEFORE = {
    qualifier: re.compile(
        rf"(?<!\w)(?P<word>{'|'.join(map(re.escape, words))})\s+(?:в\s+)?$", re.IGNORECASE
    )
    for qualifier, words in QUALIFYING_WORDS.items()
}


@dataclass(frozen=True)
class Reading:
    """One number a quote states: its value, the multiplier word that alone gives it (so it is
    rounded), and the qualifier its wording implies with the word that implies it (None:
    stated plainly)."""

    value: float
    multiplier: str | None = None
    qualifier: ValueQualifier | None = None
    word: str | None = None  # the qualifying word as the quote writes it ("about", "+")

    @property
    def plain(self) -> bool:
        """Stated as an exact figure could be: no multiplier, no qualifying word."""
        return self.multiplier is None and self.qualifier is None


_SPACE = re.compile(f"[{SPACES}]")
_SEPARATOR = re.compile(r"[.,]")


def _values(digits: str) -> set[float]:
    """Every value ``digits`` can be read as (a separator before three digits is either a
    thousands separator or a decimal mark)."""
    if digits.isdigit():  # most numbers: no separator to read two ways
        return {float(digits)}
    compact = _SPACE.sub("", digits)
    found: set[float] = set()
    parts = _SEPARATOR.split(compact)
    if len(parts) == 1:
        return {float(compact)}
    if all(len(part) == 3 for part in parts[1:]):
        found.add(float("".join(parts)))  # every separator groups thousands
    if len(parts[-1]) != 0:
        found.add(float("".join(parts[:-1]) + "." + parts[-1]))  # the last is a decimal mark
    return found


# Longer than any qualifying word ("приблизительно", "по меньшей мере"): how far before the
# number, past its spaces and a Russian "в", a qualifying word can start.
_LONGEST_WORD = max(len(word) for words in QUALIFYING_WORDS.values() for word in words) + 1
# The last word of each qualifying word or phrase: what the text before a number must end with.
_ENDINGS = tuple({word.split()[-1] for words in QUALIFYING_WORDS.values() for word in words})


def _qualifier(before: str, plus: bool) -> tuple[ValueQualifier | None, str | None]:
    """The qualifier the words just before a number (or a "+" after it) imply, and the word.

    The patterns are searched only from where a qualifying word can start at the earliest, and
    only when the text ends with the last word of one: searching the whole text before each
    number made reading a quote quadratic, and the import of a 1M-sentence package took minutes
    of it. The patterns' lookbehind still sees the character before ``start``, so a word is
    matched whole."""
    if plus:
        return ValueQualifier.more_than, "+"
    if not before[-1:].isspace():  # every qualifying word is followed by a space
        return None, None
    core = before.rstrip()
    if core[-1:] in ("в", "В") and core[-2:-1].isspace():
        core = core[:-1].rstrip()
    if len(core) == len(before) or not core[-_LONGEST_WORD:].lower().endswith(_ENDINGS):
        return None, None
    start = max(0, len(core) - _LONGEST_WORD)
    for qualifier, pattern in _QUALIFIER_BEFORE.items():
        found = pattern.search(before, start)
        if found:
            return qualifier, found["word"]
    return None, None


def read_numbers(text: str) -> list[Reading]:
    """Every number ``text`` states, in every way it can be read."""
    return list(_read(text))


# The rules "Value" and "Precision" read the same quotes one after the other.
@lru_cache(maxsize=256)
def _read(text: str) -> tuple[Reading, ...]:
    readings: list[Reading] = []
    for match in _NUMBER.finditer(text):
        qualifier, word = _qualifier(text[: match.start()], bool(match["plus"]))
        multiplier = match["multiplier"]
        factor = MULTIPLIERS[multiplier.lower()] if multiplier else 1.0
        for value in _values(match["digits"]):
            readings.append(Reading(round(value * factor, 6), multiplier, qualifier, word))
    if _WORDS.isdisjoint(_TOKEN.findall(text.lower())):  # most quotes: no need to find where
        return tuple(readings)
    for match in _TOKEN.finditer(text):  # whole words only
        said = NUMBER_WORDS.get(match[0].lower())
        if said is not None:
            qualifier, word = _qualifier(text[: match.start()], plus=False)
            readings.append(Reading(said, None, qualifier, word))
    return tuple(readings)


def readings_of(value: float, text: str) -> list[Reading]:
    """The readings of ``text`` that state ``value``."""
    return [reading for reading in _read(text) if _same(reading.value, value)]


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
