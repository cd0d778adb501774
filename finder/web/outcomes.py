"""The staff pages' table of outcomes by month: the port a page reads the figures through, and
the rows as the pages show them in the page's language.

The figures are counted once, by the booking area; the composition root hands that count to the
app (`provide`), so the referral pages show the same table without importing booking.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_percent
from flask import Flask, current_app
from flask_babel import get_locale
from sqlalchemy.orm import Session

from finder.domain.centers import Center
from finder.domain.outcomes import MonthOutcomes
from finder.web.auth import now

EXTENSION = "finder.outcomes"
NO_RATE = "–"  # a rate with nothing to divide by


class OutcomesByMonth(Protocol):
    """The months up to the one holding `last_month`, oldest first, in the center's zone."""

    def __call__(
        self, session: Session, center: Center, *, last_month: date
    ) -> Sequence[MonthOutcomes]: ...


@dataclass(frozen=True)
class OutcomeRow:
    label: str  # the month in words: "January 2027", "enero de 2027"
    booked: int
    cancelled: int
    cancellation_rate: str
    seen: int
    no_show: int
    no_show_rate: str


@dataclass(frozen=True)
class OutcomeTable:
    rows: list[OutcomeRow]

    @property
    def empty(self) -> bool:
        """No consultation was booked in any of the months."""
        return not any(row.booked for row in self.rows)


def provide(app: Flask, count: OutcomesByMonth) -> None:
    """The composition root names the one count every staff page shows."""
    app.extensions[EXTENSION] = count


def outcome_table(
    session: Session, center: Center, *, last_month: date | None = None
) -> OutcomeTable:
    """The center's months up to `last_month` (by default the center's current month)."""
    count: OutcomesByMonth = current_app.extensions[EXTENSION]
    if last_month is None:
        last_month = now().astimezone(ZoneInfo(center.timezone)).date()
    return OutcomeTable([outcome_row(m) for m in count(session, center, last_month=last_month)])


def outcome_row(month: MonthOutcomes) -> OutcomeRow:
    """A month's outcomes in the page's language: the month in words, the rates as percentages."""
    locale = get_locale()

    def percent(rate: float | None) -> str:
        return NO_RATE if rate is None else format_percent(rate, locale=locale)

    return OutcomeRow(
        label=format_date(month.month, "LLLL y", locale=locale),
        booked=month.booked,
        cancelled=month.cancelled,
        cancellation_rate=percent(month.cancellation_rate),
        seen=month.seen,
        no_show=month.no_show,
        no_show_rate=percent(month.no_show_rate),
    )
