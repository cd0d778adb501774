"""The waitlist's pages: a provider's requests, with the form to ask for a place and a button
to withdraw each; the center's waitlist for its staff. The patient is named by initials or
the provider's own reference only, never by name."""

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from finder.domain.errors import DomainError, UnknownReference
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import SlotRow, WaitlistRow
from finder.waitlist import records, use_cases
from finder.waitlist.rules import MAX_DAYS, MAX_REFERENCE
from finder.web.access import CENTER_STAFF, PROVIDER, allow, center_or_404, signed_in_actor
from finder.web.auth import now
from finder.web.commands import run
from finder.web.local_times import time_text

waitlist_pages = Blueprint("waitlist", __name__)
FIELDS = ("center_id", "from", "to", "reference")


def status_names() -> dict[str, str]:
    return {
        "waiting": gettext("Waiting"),
        "offered": gettext("Place offered"),
        "booked": gettext("Booked"),
        "withdrawn": gettext("Withdrawn"),
    }


def _rows(rows: list[WaitlistRow]) -> list[dict[str, Any]]:
    """Each request with its center's name and, when a place is held for it, its time."""
    centers = current_catalog().centers
    shown = []
    for row in rows:
        try:
            center = centers.get(row.center_id)
        except UnknownReference:
            continue
        offer = records.open_offer(db.session(), row.id) if row.status == records.OFFERED else None
        slot = db.session().get(SlotRow, offer.slot_id) if offer is not None else None
        shown.append(
            {
                "row": row,
                "center": center,
                "offer": offer,
                "slot_time": time_text(slot.start_at, center.timezone) if slot else None,
                "until": time_text(offer.expires_at, center.timezone) if offer else None,
                "asked": row.created_at.astimezone(ZoneInfo(center.timezone)).date().isoformat(),
                "book": url_for("pages.booking.book_form", center_id=center.id, slot=slot.id)
                if slot
                else None,
            }
        )
    return shown


def _page(values: dict[str, str], errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    rows = run(use_cases.list_waitlist, signed_in_actor())
    today = now().date()
    page = render_template(
        "waitlist/mine.html",
        requests=_rows(rows),
        statuses=status_names(),
        centers=sorted(current_catalog().centers.centers, key=lambda c: c.name),
        values=values,
        errors=errors,
        today=today.isoformat(),
        max_day=(today + timedelta(days=366 + MAX_DAYS)).isoformat(),
        max_reference=MAX_REFERENCE,
        max_days=MAX_DAYS,
    )
    return page, status


@waitlist_pages.get("/waitlist")
@allow(PROVIDER)
def mine() -> tuple[str, int]:
    """The provider's requests, and the form to ask for a place (`?center=` chooses one)."""
    values = {"center_id": request.args.get("center", "")[:80]}
    return _page(values, {})


@waitlist_pages.post("/waitlist")
@allow(PROVIDER)
def join() -> Response | tuple[str, int]:
    values = {name: request.form.get(name, "")[:200] for name in FIELDS}
    try:
        center = current_catalog().centers.get(values["center_id"])
    except UnknownReference:
        return _page(values, {"center_id": gettext("Choose a center.")}, 400)
    try:
        run(use_cases.join_waitlist, signed_in_actor(), center, values)
    except DomainError as error:
        errors = {name: _field_message(name) for name in error.fields} or {
            "reference": error.message
        }
        return _page(values, errors, 400)
    flash(gettext("You are on the waitlist of %(center)s.", center=center.name))
    return redirect(url_for("waitlist.mine"), 303)


def _field_message(name: str) -> str:
    return {
        "from": gettext("Give the first date you could attend, YYYY-MM-DD."),
        "to": gettext(
            "Give a last date not in the past, on or after the first and at most %(days)d "
            "days after it.",
            days=MAX_DAYS,
        ),
        "reference": gettext(
            "Give the patient's initials or your own reference, without spaces (at most "
            "%(num)d characters): never the patient's name.",
            num=MAX_REFERENCE,
        ),
    }.get(name, gettext("Check this field."))


@waitlist_pages.post("/waitlist/<int:request_id>/withdraw")
@allow(PROVIDER)
def withdraw(request_id: int) -> Response:
    try:
        run(use_cases.withdraw_request, signed_in_actor(), request_id)
    except UnknownReference:
        abort(404, description=gettext("No such waitlist request."))
    flash(gettext("Your request is withdrawn."))
    return redirect(url_for("waitlist.mine"), 303)


@waitlist_pages.get("/staff/centers/<center_id>/waitlist")
@allow(CENTER_STAFF)
def center_list(center_id: str) -> str:
    """The center's live requests, oldest first: who is next for a freed place."""
    center = center_or_404(center_id)
    rows = run(use_cases.list_waitlist, signed_in_actor(), center_id=center.id, live_only=True)
    return render_template(
        "waitlist/center.html", center=center, requests=_rows(rows), statuses=status_names()
    )
