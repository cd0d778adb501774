"""Domain objects for tests that need no database."""

from finder.centers.files import read_products, read_rules
from finder.config import PROJECT_ROOT
from finder.domain.centers import Address, Center
from finder.domain.products import ProductCatalog
from finder.domain.proximity_rules import RuleBook

PRODUCTS: ProductCatalog = read_products(PROJECT_ROOT / "data")
RULES: RuleBook = read_rules(PROJECT_ROOT / "data")
ALL_PRODUCTS = ("kymriah", "yescarta", "tecartus", "breyanzi", "abecma", "carvykti")
LYMPHOMA_MYELOMA = ("LBCL", "FL", "MCL", "CLL", "MZL", "B-ALL", "MM")


def center(
    center_id: str,
    lat: float,
    lon: float,
    *,
    products: tuple[str, ...] = ALL_PRODUCTS,
    indications: tuple[str, ...] = LYMPHOMA_MYELOMA,
    populations: tuple[str, ...] = ("adult",),
    state: str = "MA",
) -> Center:
    return Center(
        id=center_id,
        name=center_id.replace("-", " ").title(),
        address=Address("", "Somewhere", state, "00000"),
        lat=lat,
        lon=lon,
        phone="",
        website="",
        timezone="America/New_York",
        products=products,
        indications=indications,
        populations=populations,
        source="test",
        verified_on=None,
    )
