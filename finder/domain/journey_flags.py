"""How long a referral has been at its stage, and the flags a coordinator should see when it
waits longer than the typical journey (durations from DOMAIN.md's journey table)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from finder.domain.journey import StageChange, infusion_dates, journey
from finder.domain.proximity_rules import ProximityRule

# Median referral → consultation is about 11 days; twice the median is late.
CONSULTATION_WITHIN_DAYS = 22
# Referral → infusion takes about 2–3 months. At the short end (60 days), less ~11 days to the
# consultation, at least 2 weeks of manufacturing and 3 days of lymphodepletion, about four
# weeks remain between the consultation and the collection.
LEUKAPHERESIS_WITHIN_DAYS = 28
# Manufacturing (vein to vein) takes about 2–5 weeks; past 5 weeks the product is late.
LYMPHODEPLETION_WITHIN_DAYS = 35
# Lymphodepleting chemotherapy runs 3 days and the cells follow a few days after it ends.
INFUSION_WITHIN_DAYS = 7


@dataclass(frozen=True)
class OverdueFlag:
    """One thing that waits longer than the typical journey: a code and a plain sentence."""

    code: str
    message: str
    days: int


@dataclass(frozen=True)
class _Wait:
    since_stage: str
    within_days: int
    code: str
    message: str


_AWAITING_CONSULTATION = _Wait(
    "referral",
    CONSULTATION_WITHIN_DAYS,
    "consultation_overdue",
    "Referred {days} days ago, no consultation yet (the median is about 11 days).",
)
_AWAITING_COLLECTION = _Wait(
    "consultation",
    LEUKAPHERESIS_WITHIN_DAYS,
    "leukapheresis_overdue",
    "Consultation done {days} days ago, no leukapheresis yet.",
)
_AWAITING_PRODUCT = _Wait(
    "leukapheresis",
    LYMPHODEPLETION_WITHIN_DAYS,
    "lymphodepletion_overdue",
    "Cells collected {days} days ago, no lymphodepletion yet "
    "(manufacturing takes about 2 to 5 weeks).",
)
_AWAITING_INFUSION = _Wait(
    "lymphodepletion",
    INFUSION_WITHIN_DAYS,
    "infusion_overdue",
    "Lymphodepletion began {days} days ago, no infusion yet.",
)
# What a referral at each stage waits for, counted from the latest entry of `since_stage`.
WAITS = {
    "referral": _AWAITING_CONSULTATION,
    "consultation": _AWAITING_COLLECTION,
    "benefits": _AWAITING_COLLECTION,
    "leukapheresis": _AWAITING_PRODUCT,
    "manufacturing": _AWAITING_PRODUCT,
    "lymphodepletion": _AWAITING_INFUSION,
}


def days_in_stage(history: Sequence[StageChange], today: date) -> int | None:
    """Whole days since the current stage began; None before the first entry."""
    since = journey(history).since
    return None if since is None else (today - since).days


def overdue(
    history: Sequence[StageChange],
    today: date,
    *,
    rule: ProximityRule | None = None,
    infusion_days: Sequence[int] = (1,),
) -> tuple[OverdueFlag, ...]:
    """The flags for this referral today; with a rule, also a stay near the center that ended
    without a return to the referring provider."""
    view = journey(history)
    wait = WAITS.get(view.stage or "")
    if wait is not None:
        dates = [c.at for c in view.effective if c.stage == wait.since_stage]
        days = (today - dates[-1]).days if dates else 0
        if days > wait.within_days:
            return (OverdueFlag(wait.code, wait.message.format(days=days), days),)
    infused = infusion_dates(history, infusion_days)
    if view.stage in ("infusion", "monitoring") and rule is not None and infused:
        # The proximity stay runs from the first infusion to rule.stay_days after the last.
        stay_until = max(infused) + timedelta(days=rule.stay_days)
        days = (today - stay_until).days
        if days > 0:
            return (
                OverdueFlag(
                    "return_overdue",
                    f"The stay near the center ended on {stay_until.isoformat()} ({days} days "
                    "ago), no return to the referring provider recorded.",
                    days,
                ),
            )
    return ()
