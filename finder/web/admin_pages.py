"""Administration: invite, assign and deactivate users; read and export the audit log."""

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from sqlalchemy import select

from finder import audit
from finder.accounts import links
from finder.accounts.users import SelfLockout, all_users, assign, create_user, set_active
from finder.domain.accounts import ROLES
from finder.domain.days import FIRST_DAY, LAST_DAY, in_range
from finder.domain.errors import DomainError
from finder.storage import db
from finder.storage.models import CenterRow, UserRow
from finder.web.access import ADMIN, allow
from finder.web.account_pages import send_link
from finder.web.auth import now, record_event, signed_in_user
from finder.web.ids import MAX_ID
from finder.web.params import page_number

admin = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE = 100


def _centers() -> list[CenterRow]:
    return list(db.session().scalars(select(CenterRow).order_by(CenterRow.state, CenterRow.name)))


def _users_page(form: dict[str, object], error: str | None, status: int) -> tuple[str, int]:
    page = render_template(
        "admin/users.html",
        users=all_users(db.session()),
        centers=_centers(),
        roles=ROLES,
        form=form,
        error=error,
    )
    return page, status


@admin.get("/users")
@allow(ADMIN)
def users() -> tuple[str, int]:
    return _users_page({}, None, 200)


@admin.post("/users")
@allow(ADMIN)
def invite() -> Response | tuple[str, int]:
    """Create an account without a password and email it an invitation link."""
    form = request.form
    current = db.session()
    try:
        user = create_user(
            current,
            email=form.get("email", ""),
            role=form.get("role", ""),
            name=form.get("name", ""),
            practice=form.get("practice", ""),
            centers=form.getlist("centers"),
            now=now(),
        )
    except DomainError as error:
        current.rollback()
        values = {**form.to_dict(), "centers": form.getlist("centers")}
        return _users_page(values, error.message, 409 if error.code == "account_exists" else 400)
    _audit("user_created", user)
    sent = send_link(user.email, purpose=links.INVITE)
    current.commit()
    _flash_invitation(sent, user.email)
    return redirect(url_for("admin.user", user_id=user.id))


def _flash_invitation(sent: bool, email: str) -> None:
    if sent:
        flash(gettext("Invitation sent to %(email)s.", email=email))
    else:
        flash(gettext("The invitation email could not be sent. Try again in a few minutes."))


def _user_or_404(user_id: int) -> UserRow:
    user = db.session().get(UserRow, user_id)
    if user is None:
        abort(404, description="No such user.")
    return user


def _user_page(user: UserRow, error: str | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "admin/user.html", user=user, centers=_centers(), roles=ROLES, error=error
    )
    return page, status


@admin.get("/users/<int:user_id>")
@allow(ADMIN)
def user(user_id: int) -> tuple[str, int]:
    return _user_page(_user_or_404(user_id))


@admin.post("/users/<int:user_id>")
@allow(ADMIN)
def update_user(user_id: int) -> Response | tuple[str, int]:
    target = _user_or_404(user_id)
    current = db.session()
    form = request.form
    try:
        assign(
            current,
            target,
            role=form.get("role", ""),
            practice=form.get("practice", ""),
            centers=form.getlist("centers"),
            by=_me(),
        )
    except DomainError as error:
        current.rollback()
        return _user_page(_user_or_404(user_id), _refusal(error), 400)
    _audit("user_updated", target)
    current.commit()
    flash(gettext("Saved."))
    return redirect(url_for("admin.user", user_id=user_id))


@admin.post("/users/<int:user_id>/active")
@allow(ADMIN)
def set_user_active(user_id: int) -> Response | tuple[str, int]:
    target = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        set_active(db.session(), target, active, now=now(), by=_me())
    except SelfLockout as error:
        return _user_page(target, _refusal(error), 400)
    _audit("user_reactivated" if active else "user_deactivated", target)
    db.session().commit()
    flash(gettext("Account activated.") if active else gettext("Account deactivated."))
    return redirect(url_for("admin.user", user_id=user_id))


@admin.post("/users/<int:user_id>/invitation")
@allow(ADMIN)
def resend_invitation(user_id: int) -> Response:
    target = _user_or_404(user_id)
    sent = send_link(target.email, purpose=links.INVITE)
    db.session().commit()
    _flash_invitation(sent, target.email)
    return redirect(url_for("admin.user", user_id=user_id))


def _me() -> UserRow:
    me = signed_in_user()
    assert me is not None  # noqa: S101 - ADMIN access guarantees it
    return me


def _refusal(error: DomainError) -> str:
    """The page's words for a refused change; the rule itself lives in finder.accounts."""
    if isinstance(error, SelfLockout):
        if error.change == "role":
            return gettext("You cannot change your own role.")
        return gettext("You cannot deactivate your own account.")
    return error.message


def _audit(action: str, target: UserRow) -> None:
    record_event(action, target_type="user", target_id=target.id)


def _audit_filter() -> audit.AuditFilter:
    args = request.args
    return audit.AuditFilter(
        action=args.get("action", "").strip()[:40] or None,
        actor_id=_actor_id(args.get("actor", "").strip()),
        target_type=args.get("target_type", "").strip()[:24] or None,
        target_id=args.get("target_id", "").strip()[:80] or None,
        since=_day(args.get("since")),
        until=_day(args.get("until"), next_day=True),
    )


def _actor_id(text: str) -> int | None:
    """The user number filtered on; text that is no number filters nothing, as it always has."""
    if not text.isascii() or not text.isdigit():
        return None
    if len(text) > len(str(MAX_ID)) or int(text) > MAX_ID:
        abort(400, description=gettext("No user has this number."))
    return int(text)


def _day(text: str | None, *, next_day: bool = False) -> datetime | None:
    if not text:
        return None
    try:
        day = datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time(), UTC)
    except ValueError:
        day = None
    if day is None or not in_range(day.date()):
        abort(
            400,
            description=gettext(
                "Dates are written YYYY-MM-DD, from %(first)s to %(last)s.",
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            ),
        )
    return day + timedelta(days=1) if next_day else day


@admin.get("/audit")
@allow(ADMIN)
def audit_log() -> str:
    criteria = _audit_filter()
    page = page_number(request.args.get("page"))
    if page is None:
        abort(400, description=gettext("No such page."))
    events = audit.events(
        db.session(), criteria, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE
    )
    record_event("audit_viewed")
    db.session().commit()
    return render_template(
        "admin/audit.html",
        events=events[:AUDIT_PAGE],
        more=len(events) > AUDIT_PAGE,
        page=page,
        filters=request.args,
    )


@admin.get("/audit.csv")
@allow(ADMIN)
def export_audit_log() -> Response:
    criteria = _audit_filter()
    record_event("audit_exported")
    db.session().commit()
    stamp = now().strftime("%Y%m%dT%H%M%SZ")
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def rows() -> Iterator[str]:
        # The response streams after the request's session is gone: this one is its own.
        with db.own_session(app) as session:
            yield from audit.export_csv(session, criteria)

    return Response(
        rows(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
