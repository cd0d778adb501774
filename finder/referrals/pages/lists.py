"""What the referral lists share: their filters (a name only ever in a POST body, since URLs
are logged), the rows through the list and export use cases, and the CSV answer."""

from collections.abc import Mapping
from typing import Any

from flask import Response, abort, request
from flask_babel import gettext
from sqlalchemy import select

from finder.domain.centers import Center
from finder.domain.journey import LABELS
from finder.extensions import current_catalog
from finder.referrals import use_cases, views
from finder.storage import db
from finder.storage.models import UserRow
from finder.web.access import signed_in_actor
from finder.web.commands import run


def filters_of(args: Mapping[str, str], center_id: str | None = None) -> views.ReferralFilters:
    """The filters of a GET query or a search form; a name only ever comes in a POST body."""
    stage = args.get("stage", "")
    if stage and stage not in LABELS:
        abort(400, description=gettext("Choose a stage from the list."))
    return views.ReferralFilters(
        stage=stage or None,
        center_id=center_id or (args.get("center", "")[:80] or None),
        search=args.get("search", "").strip()[: views.MAX_SEARCH]
        if request.method == "POST"
        else "",
        overdue_only=args.get("overdue") == "1",
    )


def filter_args(filters: views.ReferralFilters, *, center: bool = True) -> dict[str, str]:
    """The filters that may go in a URL: never the name searched for."""
    args = {"stage": filters.stage or "", "overdue": "1" if filters.overdue_only else ""}
    if center and filters.center_id:
        args["center"] = filters.center_id
    return {name: value for name, value in args.items() if value}


def listed(filters: views.ReferralFilters) -> list[views.DashboardRow]:
    """The rows the caller may see with these filters; the listing is recorded."""
    return run(use_cases.list_referrals, signed_in_actor(), filters, catalog=current_catalog())


def exported(filters: views.ReferralFilters, filename: str) -> Response:
    """The same rows as CSV; the export is recorded."""
    rows = run(use_cases.export_referrals, signed_in_actor(), filters, catalog=current_catalog())
    return Response(
        views.export_csv(rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


def centers() -> dict[str, Center]:
    return {center.id: center for center in current_catalog().centers.centers}


def practices(rows: list[views.DashboardRow]) -> dict[int, UserRow]:
    ids = {row.referral.provider_id for row in rows}
    found = db.session().scalars(select(UserRow).where(UserRow.id.in_(ids))) if ids else []
    return {user.id: user for user in found}


def choices(center_ids: list[str]) -> list[tuple[str, Any]]:
    """Centers as a filter's choices, by name where the list still has them."""
    known = centers()
    return [(c, known[c].name if c in known else c) for c in center_ids]
