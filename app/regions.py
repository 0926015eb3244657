"""Russia's federal subjects from maintained libraries: ISO 3166-2 codes and official names from
pycountry, Russian and English names from iso3166-2's ``localOtherName``."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str  # the readable English name ("Buryatia", "Moscow Oblast")
    name_iso: str  # the ISO 3166-2 name (romanised Russian), as pycountry gives it
    name_ru: str
    type: str


def _other_names(local_other_name: str | None, language: str) -> list[str]:
    """'Республика Бурятия (rus), Buryatia (eng)' -> ['Buryatia'] for language 'eng'."""
    suffix = f"({language})"
    return [
        part.strip()[: -len(suffix)].strip()
        for part in (local_other_name or "").split(",")
        if part.strip().endswith(suffix)
    ]


# iso3166-2 gives short English names ("Moscow" for Moscow Oblast, "Krasnodar" for the krai);
# the ISO subdivision type adds the word that tells the oblast from the city of the same name.
TYPE_SUFFIX = {"Administrative region": "Oblast", "Administrative territory": "Krai"}


def _english_name(short: str, subdivision_type: str) -> str:
    suffix = TYPE_SUFFIX.get(subdivision_type)
    if suffix and suffix.lower() not in short.lower():
        return f"{short} {suffix}"
    return short


# Both libraries are imported when first asked (pycountry's subdivisions and iso3166-2's JSON
# take about half a second to load): serving starts without them (see tests/test_cold_start.py).
@lru_cache
def region_codes() -> tuple[str, ...]:
    """The ISO 3166-2 codes of Russia's federal subjects, sorted: those ``russian_regions``
    describes, without loading the names."""
    import pycountry

    subdivisions = pycountry.subdivisions.get(country_code="RU")  # type: ignore[no-untyped-call]
    return tuple(sorted(sub.code for sub in subdivisions))


@lru_cache
def russian_regions() -> dict[str, RegionInfo]:
    import pycountry
    from iso3166_2 import Subdivisions

    other: Any = Subdivisions()["RU"]
    regions: dict[str, RegionInfo] = {}
    for sub in pycountry.subdivisions.get(country_code="RU"):  # type: ignore[no-untyped-call]
        names = other.get(sub.code, {}).get("localOtherName")
        english = _other_names(names, "eng")
        russian = _other_names(names, "rus")
        regions[sub.code] = RegionInfo(
            code=sub.code,
            name=_english_name(english[0], sub.type) if english else sub.name,
            name_iso=sub.name,
            name_ru=russian[0] if russian else sub.name,
            type=sub.type,
        )
    return dict(sorted(regions.items()))


def known_region(code: str, parameter: str) -> str:
    """``code`` if it is a federal subject, else a 422 naming ``parameter`` with the closest
    codes. The same list the database is filled from and the OpenAPI enum shows, so no query is
    needed."""
    from app.lookups import unknown

    if code not in region_codes():
        what = "a federal subject in ISO 3166-2:RU (see /v1/regions)"
        raise unknown(code, parameter, what, list(region_codes()))
    return code
