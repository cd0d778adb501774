"""Center staff's own pages: each of their centers, with its team."""

from flask import Blueprint, render_template

from finder.accounts.users import center_team
from finder.extensions import current_catalog
from finder.storage import db
from finder.web.access import CENTER_STAFF, allow

staff = Blueprint("staff", __name__, url_prefix="/staff")


@staff.get("/centers/<center_id>")
@allow(CENTER_STAFF)
def center(center_id: str) -> str:
    """A center as its staff see it: the public facts and who else works there."""
    found = current_catalog().centers.get(center_id)
    return render_template(
        "staff/center.html", center=found, team=center_team(db.session(), center_id)
    )
