"""One seed file (``seed/articles/*.yaml``): an article and every record it supports, in one list
per record family (the family's own input model, ``app.families``), and their relations."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from app.families import FAMILIES
from app.schemas.inputs import ArticleIn, RelationIn, Strict

SeedFile: Any = create_model(  # type: ignore[call-overload]
    "SeedFile",
    __base__=Strict,
    __doc__="One YAML file in seed/articles/: an article and every record it supports.",
    article=(ArticleIn, ...),
    **{
        family.path: (list[family.input_model], Field(default_factory=list))  # type: ignore[name-defined]
        for family in FAMILIES.values()
    },
    relations=(list[RelationIn], Field(default_factory=list)),
)
