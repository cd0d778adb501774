"""Who is asking and where: the signed-in caller, a center or a referral by id (404 when
unknown), and the dates a page counts from."""

from datetime import date
from zoneinfo import ZoneInfo

from flask import abort
from flask_babel import gettext

from finder.domain.errors import UnknownReference
from finder.extensions import current_catalog
from finder.referrals.centers import center_today as today_there
from finder.referrals.records import find_referral
from finder.storage import db
from finder.storage.models import ReferralRow
from finder.web.access import signed_in_actor
from finder.web.auth import now
from finder.web.ids import MAX_ID
from finder.web.local_times import zone_names

TIMELINE = "pages.referral.timeline"


def referral_number(referral_id: int) -> int:
    """A path's referral id; one no database holds is not found."""
    if referral_id > MAX_ID:
        abort(404, description=gettext("No such referral."))
    return referral_id


def seen_referral(referral_id: int) -> ReferralRow:
    """The referral as it stands now, for showing it again (the reading is not recorded)."""
    try:
        return find_referral(db.session(), signed_in_actor(), referral_number(referral_id))
    except UnknownReference:
        abort(404, description=gettext("No such referral."))


def center_today(center_id: str) -> date:
    """The center's local date: no stage may be dated after it."""
    return today_there(db.session(), current_catalog(), center_id, now())


def latest_today() -> date:
    """The latest date in any US zone: a stage dated today at any center is not in the future."""
    moment = now()
    return max(moment.astimezone(ZoneInfo(zone)).date() for zone in zone_names())
