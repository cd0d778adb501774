"""Proximity-stay rule sets: how close to the center, and for how long, after infusion."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from finder.domain.errors import UnknownReference


@dataclass(frozen=True)
class ProximityRule:
    """One rule set, with the source it comes from and the date it took effect."""

    id: str
    label: str
    stay_radius_minutes: int
    stay_days: int
    no_driving_days: int
    source: str
    effective: date | None

    def within_proximity(self, drive_minutes: float | None) -> bool:
        """Whether a home this far by road lets the patient stay home during the stay."""
        return drive_minutes is not None and drive_minutes <= self.stay_radius_minutes


@dataclass(frozen=True)
class RuleBook:
    """All rule sets the service knows and the default one."""

    rules: tuple[ProximityRule, ...]
    default_id: str

    def get(self, rule_id: str | None) -> ProximityRule:
        wanted = rule_id or self.default_id
        for rule in self.rules:
            if rule.id == wanted:
                return rule
        known = ", ".join(r.id for r in self.rules)
        raise UnknownReference(
            f"Unknown rule set. Known rule sets: {known}.", fields={"rule": "unknown rule set"}
        )

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)


def rule_book_from_mapping(data: Mapping[str, Any]) -> RuleBook:
    """Build the rule book from the parsed rules data file."""
    rules = tuple(
        ProximityRule(
            id=item["id"],
            label=item["label"],
            stay_radius_minutes=int(item["stay_radius_minutes"]),
            stay_days=int(item["stay_days"]),
            no_driving_days=int(item["no_driving_days"]),
            source=item["source"],
            effective=date.fromisoformat(item["effective"]) if item.get("effective") else None,
        )
        for item in data["rules"]
    )
    book = RuleBook(rules=rules, default_id=data["default"])
    book.get(None)  # the default must be one of the rules
    return book
