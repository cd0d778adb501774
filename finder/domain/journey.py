"""The patient journey of a referral: its stages in order, the exits, and an append-only history
in which a mistake is put right by a correction, never by rewriting an earlier entry.

The rule table (what `move_allowed` answers):

- A referral starts at eligibility or at referral.
- From an active stage the journey moves forward to the next stage. Only two stages may be
  passed over: benefits (insurance may be cleared by the manufacturer's hub, outside this
  record) and returned (the center may keep the patient's follow-up itself). Every other stage
  is required, so infusion before leukapheresis, manufacturing and lymphodepletion is refused.
- Leukapheresis may be repeated, and manufacturing may go back to leukapheresis when the cells
  have to be collected again; infusion may be repeated for a split dose (Aucatzyl: days 1, 10).
- Exits: deceased and lost to follow-up from any active stage; not eligible and declined only
  before infusion (once infused, the therapy has been given). Follow-up is lifelong: from it
  only those two exits.
- Nothing else: no move backwards, no move out of an exit. Those are corrections.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from finder.domain.days import OUT_OF_RANGE, in_range
from finder.domain.errors import DomainError

STAGES = (
    "eligibility",
    "referral",
    "consultation",
    "benefits",
    "leukapheresis",
    "manufacturing",
    "lymphodepletion",
    "infusion",
    "monitoring",
    "returned",
    "follow_up",
)
EXITS = ("not_eligible", "declined", "deceased", "lost_to_follow_up")
LABELS = {
    "eligibility": "eligibility",
    "referral": "referral",
    "consultation": "consultation",
    "benefits": "benefits check",
    "leukapheresis": "leukapheresis",
    "manufacturing": "manufacturing",
    "lymphodepletion": "lymphodepletion",
    "infusion": "infusion",
    "monitoring": "monitoring near the center",
    "returned": "return to the referring provider",
    "follow_up": "long-term follow-up",
    "not_eligible": "not eligible",
    "declined": "declined",
    "deceased": "deceased",
    "lost_to_follow_up": "lost to follow-up",
}
START_STAGES = ("eligibility", "referral")
SKIPPABLE = frozenset({"benefits", "returned"})
REPEATS = frozenset(
    {
        ("leukapheresis", "leukapheresis"),
        ("manufacturing", "leukapheresis"),  # cells collected again after manufacturing failed
        ("infusion", "infusion"),  # a split dose
    }
)
EXITS_BEFORE_INFUSION = frozenset({"not_eligible", "declined"})
MAX_NOTE = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # a note may hold tabs and line breaks


class StageNotAllowed(DomainError):
    """A stage the journey cannot reach from where it is."""

    code = "stage_not_allowed"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"stage": "not allowed from the current stage"})


class InvalidStageChange(DomainError):
    """A stage change with a bad stage id, date, note or corrected entry."""

    code = "invalid_stage_change"


@dataclass(frozen=True)
class StageChange:
    """One entry of the history: a move, or a correction of the entry `correction_of`."""

    stage: str
    at: date
    by_user_id: int | None
    note: str
    recorded_at: datetime
    correction_of: int | None = None

    @property
    def is_correction(self) -> bool:
        return self.correction_of is not None


@dataclass(frozen=True)
class JourneyEntry:
    """An entry of the history as it reads today: superseded once a correction replaced it."""

    index: int
    change: StageChange
    superseded_by: int | None

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None


@dataclass(frozen=True)
class Journey:
    """The history with every entry marked effective or superseded."""

    entries: tuple[JourneyEntry, ...]

    @property
    def effective(self) -> tuple[StageChange, ...]:
        return tuple(e.change for e in self.entries if not e.superseded)

    @property
    def stage(self) -> str | None:
        return self.effective[-1].stage if self.entries else None

    @property
    def closed(self) -> bool:
        return self.stage in EXITS

    @property
    def last_at(self) -> date | None:
        """The date of the latest effective entry: no later change may be dated before it."""
        return self.effective[-1].at if self.entries else None

    @property
    def since(self) -> date | None:
        """The day the current stage began (the first of a run of repeats)."""
        effective = self.effective
        if not effective:
            return None
        start = effective[-1]
        for change in reversed(effective):
            if change.stage != start.stage:
                break
            start = change
        return start.at


def label(stage: str) -> str:
    return LABELS[stage]


def refusal(from_stage: str | None, to_stage: str) -> str | None:
    """Why the journey may not move from `from_stage` (None: a new referral) to `to_stage`."""
    to = label(to_stage)
    if from_stage is None:
        if to_stage in START_STAGES:
            return None
        return f"A referral starts at eligibility or referral, not at {to}."
    here = label(from_stage)
    if from_stage in EXITS:
        return f"This referral is closed ({here}); only a correction can change it."
    if (from_stage, to_stage) in REPEATS:
        return None
    position = STAGES.index(from_stage)
    if to_stage in EXITS:
        if to_stage in EXITS_BEFORE_INFUSION and position >= STAGES.index("infusion"):
            return f"'{_cap(to)}' can only be recorded before infusion; this referral is at {here}."
        return None
    target = STAGES.index(to_stage)
    if target == position:
        return f"This referral is already at {here}."
    if target < position:
        return (
            f"{_cap(to)} comes before {here}. "
            "If a stage was recorded by mistake, record a correction."
        )
    missing = [s for s in STAGES[position + 1 : target] if s not in SKIPPABLE]
    if missing:
        return (
            f"{_cap(to)} cannot come before {_and(label(s) for s in missing)}; "
            f"this referral is at {here}."
        )
    return None


def move_allowed(from_stage: str | None, to_stage: str) -> bool:
    """The rule table: whether a move (not a correction) may go from one stage to another."""
    return refusal(from_stage, to_stage) is None


def journey(history: Sequence[StageChange]) -> Journey:
    """The history as it reads today: a correction supersedes the entry it names and every
    effective entry recorded after that one."""
    effective: list[int] = []
    superseded_by: dict[int, int] = {}
    for index, change in enumerate(history):
        if change.correction_of is not None:
            if change.correction_of not in effective:
                raise ValueError(f"entry {index} corrects an entry that is not effective")
            cut = effective.index(change.correction_of)
            for replaced in effective[cut:]:
                superseded_by[replaced] = index
            del effective[cut:]
        effective.append(index)
    return Journey(
        tuple(JourneyEntry(i, change, superseded_by.get(i)) for i, change in enumerate(history))
    )


def current_stage(history: Sequence[StageChange]) -> str | None:
    return journey(history).stage


def record_move(
    history: Sequence[StageChange],
    stage: str,
    *,
    at: date,
    today: date,
    by_user_id: int | None,
    note: str = "",
    recorded_at: datetime,
) -> StageChange:
    """The entry to append for a move to `stage`, or the domain error that refuses it."""
    _check_stage(stage)
    view = journey(history)
    reason = refusal(view.stage, stage)
    if reason is not None:
        raise StageNotAllowed(reason)
    _check_date(at, after=view.last_at, today=today)
    return StageChange(stage, at, by_user_id, _check_note(note, required=False), recorded_at)


def record_correction(
    history: Sequence[StageChange],
    stage: str,
    *,
    at: date,
    today: date,
    by_user_id: int | None,
    note: str,
    recorded_at: datetime,
    entry: int | None = None,
) -> StageChange:
    """The entry to append that states `entry` (default: the current one) should have been
    `stage` on `at`. What it replaces must still follow the stage order; restating the stage
    before the wrong entry withdraws that entry."""
    _check_stage(stage)
    view = journey(history)
    effective = [e for e in view.entries if not e.superseded]
    if not effective:
        raise InvalidStageChange("There is nothing to correct yet.", fields={"entry": "none"})
    target = effective[-1].index if entry is None else entry
    position = next((n for n, e in enumerate(effective) if e.index == target), None)
    if position is None:
        raise InvalidStageChange(
            "Only an entry that is still in effect can be corrected.",
            fields={"entry": "not in effect"},
        )
    before = effective[position - 1].change if position else None
    if before is None or stage != before.stage:
        reason = refusal(before.stage if before else None, stage)
        if reason is not None:
            raise StageNotAllowed(f"A correction must still follow the stage order. {reason}")
    _check_date(at, after=before.at if before else None, today=today)
    return StageChange(
        stage, at, by_user_id, _check_note(note, required=True), recorded_at, correction_of=target
    )


def infusion_dates(
    history: Sequence[StageChange], infusion_days: Sequence[int] = (1,)
) -> list[date]:
    """The recorded infusion dates, then the product's doses still to come counted from the
    first infusion (Aucatzyl, days 1 and 10), so a stay plan covers the last dose."""
    recorded = sorted(c.at for c in journey(history).effective if c.stage == "infusion")
    if not recorded:
        return []
    planned = [recorded[0] + timedelta(days=day - 1) for day in infusion_days[len(recorded) :]]
    return recorded + planned


def _check_stage(stage: str) -> None:
    if stage not in LABELS:
        raise InvalidStageChange(
            "Unknown stage. Stages: " + ", ".join((*STAGES, *EXITS)) + ".",
            fields={"stage": "unknown stage"},
        )


def _check_date(at: date, *, after: date | None, today: date) -> None:
    if not in_range(at):
        raise InvalidStageChange(f"The date {OUT_OF_RANGE}.", fields={"at": OUT_OF_RANGE})
    if at > today:
        raise InvalidStageChange(
            "A stage can only be recorded once it has happened: the date is in the future.",
            fields={"at": "must not be in the future"},
        )
    if after is not None and at < after:
        raise InvalidStageChange(
            f"The date may not be before {after.isoformat()}, the date of the stage before it.",
            fields={"at": f"must be on or after {after.isoformat()}"},
        )


def _check_note(note: str, *, required: bool) -> str:
    text = note.replace("\r\n", "\n").strip()
    problem = None
    if required and not text:
        problem = "required: say what was wrong"
    elif len(text) > MAX_NOTE:
        problem = f"at most {MAX_NOTE} characters"
    elif _CONTROL.search(text):
        problem = "contains characters that are not allowed"
    if problem:
        raise InvalidStageChange(f"Check the note ({problem}).", fields={"note": problem})
    return text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _and(items: Iterable[str]) -> str:
    words = list(items)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
