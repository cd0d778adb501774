"""What the coverage page, API and commands share: the process's coverage cache and the
query's parameters."""

from typing import Any

from flask import current_app

from finder.config import PROJECT_ROOT
from finder.coverage.population import population
from finder.coverage.service import DEFAULT_CANDIDATE_PEOPLE, CoverageCache, product_choices
from finder.extensions import catalog_cache
from finder.web.params import Param

_KEY = "finder.coverage"


def coverage_cache() -> CoverageCache:
    """One per app: the population, read once, and the nearest centers per revision."""
    cache: CoverageCache | None = current_app.extensions.get(_KEY)
    if cache is None:
        data_dir = current_app.config.get("DATA_DIR") or PROJECT_ROOT / "data"
        least = int(current_app.config.get("COVERAGE_CANDIDATE_PEOPLE", DEFAULT_CANDIDATE_PEOPLE))
        cache = current_app.extensions.setdefault(
            _KEY, CoverageCache(population(data_dir), candidate_people=least)
        )
    return cache


# Each list holds "" too: an empty parameter means the default, as with every optional one.


def _rule_ids() -> list[str]:
    return ["", *catalog_cache().rules.ids]


def _products() -> list[str]:
    return ["", *product_choices(catalog_cache().products)]


def _states() -> list[str]:
    return ["", *sorted(set(coverage_cache().people.state.tolist()))]


COVERAGE = (
    Param("rule", choices=_rule_ids, description="Proximity rule set; default us-2025."),
    Param(
        "product",
        choices=_products,
        description="A product id, or a product class by its target (CD19, BCMA); default all.",
    ),
    Param("state", choices=_states, description="A state or territory (USPS code); default all."),
)


def coverage_args(values: dict[str, Any]) -> dict[str, Any]:
    return {"rule_id": values["rule"], "product": values["product"], "state": values["state"]}
