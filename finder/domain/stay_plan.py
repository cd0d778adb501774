"""The proximity-stay plan: from the infusion dates and a rule, until when the patient stays
near the center and may not drive, and whether home is close enough to stay there."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from finder.domain.errors import DomainError
from finder.domain.proximity_rules import ProximityRule

# The page's worked example puts the infusion four weeks out: referral, consultation,
# collection and manufacturing take at least that long.
EXAMPLE_LEAD_DAYS = 28


@dataclass(frozen=True)
class StayPlan:
    rule: ProximityRule
    first_infusion: date
    last_infusion: date
    stay_until: date
    no_driving_until: date
    within_proximity: bool

    @property
    def needs_lodging(self) -> bool:
        """Home is beyond the radius (or across the water): lodging near the center is needed."""
        return not self.within_proximity


def stay_plan(
    infusion_dates: Sequence[date], rule: ProximityRule, *, within_proximity: bool
) -> StayPlan:
    """The plan for these infusion dates; a split dose is covered until the stay after the last."""
    if not infusion_dates:
        raise ValueError("a stay plan needs at least one infusion date")
    first, last = min(infusion_dates), max(infusion_dates)
    return StayPlan(
        rule=rule,
        first_infusion=first,
        last_infusion=last,
        stay_until=last + timedelta(days=rule.stay_days),
        no_driving_until=last + timedelta(days=rule.no_driving_days),
        within_proximity=within_proximity,
    )


def example_infusion_dates(today: date, infusion_days: Sequence[int] = (1,)) -> list[date]:
    """Example infusion dates for the page: day 1 is four weeks from today."""
    day_one = today + timedelta(days=EXAMPLE_LEAD_DAYS)
    return [day_one + timedelta(days=day - 1) for day in infusion_days]


# A planned infusion lies between the referral's first date and two years ahead.
PLAN_AHEAD = timedelta(days=730)


class InvalidPlan(DomainError):
    code = "invalid_plan"


def check_planned_infusion(day: date, *, referred: date, today: date) -> date:
    """The planned infusion date, or InvalidPlan when it lies outside the referral's span."""
    if not referred <= day <= today + PLAN_AHEAD:
        raise InvalidPlan(
            f"Plan the infusion on or after {referred.isoformat()} (the referral's first date) "
            "and at most two years ahead.",
            fields={"planned_infusion": "out of range"},
        )
    return day
