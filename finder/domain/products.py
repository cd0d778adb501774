"""CAR T products, their indications and the ages their labels allow."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from finder.domain.errors import DomainError, UnknownReference

Population = Literal["adult", "pediatric"]
POPULATIONS: tuple[Population, ...] = ("adult", "pediatric")
ADULT_AGE_YEARS = 18
NOT_FOR_INDICATION = "not approved for this indication"
NOT_AT_AGE = "not approved at the patient's age"


class NotOnLabel(DomainError):
    """A product whose label does not cover the indication, or the patient's age."""

    code = "not_on_label"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, fields={"product": reason})
        self.reason = reason


def age_in_years(birth_date: date, on: date) -> int:
    """Whole years of age on a date (someone born on 29 February has a birthday on 1 March)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


@dataclass(frozen=True)
class AgeRange:
    """The ages a label allows for one indication; max_years None means no upper limit."""

    indication: str
    min_years: int
    max_years: int | None
    note: str = ""

    def admits(self, population: Population) -> bool:
        """Whether anyone of the population falls inside the label's ages."""
        if population == "pediatric":
            return self.min_years < ADULT_AGE_YEARS
        return self.max_years is None or self.max_years >= ADULT_AGE_YEARS

    def admits_age(self, years: int) -> bool:
        """Whether someone of this age (in whole years) falls inside the label's ages."""
        return self.min_years <= years and (self.max_years is None or years <= self.max_years)

    def ages_text(self) -> str:
        """The label's ages in words, for a refusal."""
        if self.max_years is None:
            return f"aged {self.min_years} or older"
        if self.min_years == 0:
            return f"up to {self.max_years} years of age"
        return f"aged {self.min_years} to {self.max_years}"


@dataclass(frozen=True)
class Product:
    """One approved CAR T product."""

    id: str
    name: str
    generic: str
    maker: str
    target: str
    ages: tuple[AgeRange, ...]
    infusion_days: tuple[int, ...] = (1,)
    names: tuple[str, ...] = ()  # short names people use ("liso-cel")

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every name the product may be given by: id, brand, generic name and short names."""
        return (self.id, self.name, self.generic, *self.names)

    @property
    def indications(self) -> tuple[str, ...]:
        return tuple(age.indication for age in self.ages)

    def treats(self, indication: str | None, population: Population | None) -> bool:
        """Whether the label covers this indication (any if None) for this population."""
        return any(
            (indication is None or age.indication == indication)
            and (population is None or age.admits(population))
            for age in self.ages
        )


@dataclass(frozen=True)
class ProductCatalog:
    """The products and indication codes the service knows, in display order."""

    products: tuple[Product, ...]
    indications: Mapping[str, str]

    def get(self, product_id: str) -> Product:
        for product in self.products:
            if product.id == product_id:
                return product
        known = ", ".join(p.id for p in self.products)
        raise UnknownReference(
            f"Unknown product. Known products: {known}.", fields={"product": "unknown product"}
        )

    def resolve(self, name: str) -> str | None:
        """The id of the product given by its id, brand, generic or short name, in any case
        and spacing ("Breyanzi", "lisocabtagene maraleucel", "LISO-CEL"); None if unknown."""
        wanted = _name_key(name)
        for product in self.products:
            if any(_name_key(spelling) == wanted for spelling in product.spellings):
                return product.id
        return None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.products)

    @property
    def names(self) -> dict[str, str]:
        """Display name of each product, by id."""
        return {p.id: p.name for p in self.products}

    def check_indication(self, code: str) -> str:
        if code not in self.indications:
            known = ", ".join(self.indications)
            raise UnknownReference(
                f"Unknown indication. Known indications: {known}.",
                fields={"indication": "unknown indication"},
            )
        return code

    def check_label(
        self, product: str | None, indication: str, *, birth_date: date, on: date
    ) -> None:
        """Refuse a product whose label does not cover the indication (any of its indications
        when none is given), or the patient's age on `on`; no product chosen passes."""
        if product is None:
            return
        chosen = self.get(product)
        ranges = [age for age in chosen.ages if not indication or age.indication == indication]
        disease = self.indications.get(indication, indication)
        if not ranges:
            raise NotOnLabel(f"{chosen.name} is not approved for {disease}.", NOT_FOR_INDICATION)
        years = age_in_years(birth_date, on)
        if not any(age.admits_age(years) for age in ranges):
            ages = " or ".join(sorted({age.ages_text() for age in ranges}))
            what = f" for {disease}" if indication else ""
            raise NotOnLabel(
                f"{chosen.name} is approved{what} only for patients {ages}.", NOT_AT_AGE
            )

    def eligible(
        self, product: str | None, indication: str | None, population: Population | None
    ) -> tuple[str, ...]:
        """Ids of the products that fit the requested product, indication and population."""
        chosen: Iterable[Product] = [self.get(product)] if product else self.products
        return tuple(p.id for p in chosen if p.treats(indication, population))


def _name_key(name: str) -> str:
    """A name compared without case, spaces or hyphens: "Liso Cel" is "liso-cel"."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def product_catalog_from_mapping(data: Mapping[str, Any]) -> ProductCatalog:
    """Build the catalog from the parsed products data file."""
    products = tuple(
        Product(
            id=item["id"],
            name=item["name"],
            generic=item["generic"],
            maker=item["maker"],
            target=item["target"],
            ages=tuple(AgeRange(**age) for age in item["ages"]),
            infusion_days=tuple(item.get("infusion_days", (1,))),
            names=tuple(item.get("names", ())),
        )
        for item in data["products"]
    )
    return ProductCatalog(products=products, indications=dict(data["indications"]))
