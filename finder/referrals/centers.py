"""The center of a referral as its pages and answers need it: its name, its time zone, and the
date it is there now ("today" for a stage, an age check, days in stage and overdue flags)."""

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from finder.centers.catalog import Catalog
from finder.domain.errors import UnknownReference
from finder.storage.models import CenterRow


def center_facts(session: Session, catalog: Catalog, center_id: str) -> tuple[str, str]:
    """The center's name and time zone; a center withdrawn from the list keeps its row."""
    try:
        center = catalog.centers.get(center_id)
        return center.name, center.timezone
    except UnknownReference:
        row = session.get(CenterRow, center_id)
        return (row.name, row.timezone) if row is not None else (center_id, "UTC")


def local_today(zone: str, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def center_today(session: Session, catalog: Catalog, center_id: str, moment: datetime) -> date:
    """The center's local date: no stage may be dated after it."""
    return local_today(center_facts(session, catalog, center_id)[1], moment)


def today_at(session: Session, catalog: Catalog, moment: datetime) -> Callable[[str], date]:
    """The local date at each center, for a list's days in stage and flags."""
    zones: dict[str, date] = {}

    def today(center_id: str) -> date:
        if center_id not in zones:
            zones[center_id] = center_today(session, catalog, center_id, moment)
        return zones[center_id]

    return today
