"""Locate the files perfrules ships beside its code: the grammar, the rulebooks and the examples."""

from __future__ import annotations

import importlib.resources
from functools import cache
from pathlib import Path
from typing import Any

# In the wheel these folders are packages of their own (see pyproject.toml); in a source
# checkout they sit at the top of the repository.
_PACKAGES = {"grammar": "perfrules._grammar", "rulebooks": "perfrules._rulebooks", "examples": "perfrules._examples"}


@cache
def shipped(folder: str) -> Any:
    """The shipped folder ``grammar``, ``rulebooks`` or ``examples`` as a traversable path."""
    try:
        return importlib.resources.files(_PACKAGES[folder])
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / folder


def read_text(folder: str, name: str) -> str:
    return shipped(folder).joinpath(name).read_text(encoding="utf-8")
