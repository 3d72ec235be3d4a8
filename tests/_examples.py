"""Registry of cheap example factories, one per public result class.

Each family registers its classes in ``tests/<family>/examples.py`` with::

    from tests._examples import register

    @register(MyResult)
    def _my_result():
        return st.my_function(...)  # small, fast, seeded

``test_result_contract.py`` runs every registered factory through the protocol, and an
introspection test fails if a public result class has no factory.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

EXAMPLES: dict[type, list[Callable[[], object]]] = {}

FAMILIES = ("core", "duration", "conformal", "nonstationary", "frechet", "mixture")


def register(cls: type) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def deco(fn: Callable[[], object]) -> Callable[[], object]:
        EXAMPLES.setdefault(cls, []).append(fn)
        return fn

    return deco


def load_all() -> dict[type, list[Callable[[], object]]]:
    for fam in FAMILIES:
        try:
            importlib.import_module(f"tests.{fam}.examples")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{fam}.examples":
                raise
    return EXAMPLES
