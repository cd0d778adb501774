"""What became of a center's consultations, month by month (the center's local months):
how many were booked, cancelled, held and missed, and the cancellation and no-show rates."""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.booking.calendar import local_day_bounds
from finder.domain.bookings import CANCELLED, COMPLETED, NO_SHOW
from finder.domain.centers import Center
from finder.storage.models import BookingRow, SlotRow


@dataclass(frozen=True)
class MonthOutcomes:
    month: date  # the first day of the month
    booked: int  # every booking whose consultation falls in the month, whatever became of it
    cancelled: int
    completed: int
    no_show: int

    @property
    def cancellation_rate(self) -> float | None:
        """Cancelled of all booked; None when nothing was booked."""
        return self.cancelled / self.booked if self.booked else None

    @property
    def no_show_rate(self) -> float | None:
        """Missed of the consultations whose outcome was recorded; None when none was."""
        seen = self.completed + self.no_show
        return self.no_show / seen if seen else None


def first_of_month(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def monthly_outcomes(
    session: Session, center: Center, *, last_month: date, months: int = 6
) -> list[MonthOutcomes]:
    """The `months` months up to the one holding `last_month`, oldest first."""
    first = first_of_month(last_month, months - 1)
    after = first_of_month(last_month, -1)
    start, end = local_day_bounds(first, date.fromordinal(after.toordinal() - 1), center.timezone)
    rows = session.execute(
        select(SlotRow.start_at, BookingRow.status)
        .join(SlotRow, BookingRow.slot_id == SlotRow.id)
        .where(
            BookingRow.center_id == center.id,
            SlotRow.start_at >= start,
            SlotRow.start_at < end,
        )
    ).all()
    zone = ZoneInfo(center.timezone)
    counts: dict[date, dict[str, int]] = {
        first_of_month(last_month, back): {} for back in range(months)
    }
    for start_at, status in rows:
        month = first_of_month(start_at.astimezone(zone).date())
        tally = counts.setdefault(month, {})
        tally[status] = tally.get(status, 0) + 1
    return [
        MonthOutcomes(
            month=month,
            booked=sum(tally.values()),
            cancelled=tally.get(CANCELLED, 0),
            completed=tally.get(COMPLETED, 0),
            no_show=tally.get(NO_SHOW, 0),
        )
        for month, tally in sorted(counts.items())
    ]
