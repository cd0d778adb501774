"""What became of a center's consultations in one month: how many were booked, cancelled, held
and missed, and the cancellation and no-show rates the staff pages show."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class MonthOutcomes:
    month: date  # the first day of the month
    booked: int  # every booking whose consultation falls in the month, whatever became of it
    cancelled: int
    completed: int
    no_show: int

    @property
    def seen(self) -> int:
        """The consultations whose outcome was recorded: held or missed."""
        return self.completed + self.no_show

    @property
    def cancellation_rate(self) -> float | None:
        """Cancelled of all booked; None when nothing was booked."""
        return self.cancelled / self.booked if self.booked else None

    @property
    def no_show_rate(self) -> float | None:
        """Missed of the consultations whose outcome was recorded; None when none was."""
        return self.no_show / self.seen if self.seen else None


def first_of_month(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before the one holding `day`."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)
