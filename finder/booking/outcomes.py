"""What became of a center's consultations, month by month (the center's local months): the one
count behind the staff's week page and the center's referrals page."""

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.booking.calendar import local_day_bounds
from finder.domain.bookings import CANCELLED, COMPLETED, NO_SHOW
from finder.domain.centers import Center
from finder.domain.outcomes import MonthOutcomes, first_of_month
from finder.storage.models import BookingRow, SlotRow

__all__ = ["MonthOutcomes", "first_of_month", "monthly_outcomes"]


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
