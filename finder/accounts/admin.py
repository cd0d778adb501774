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
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from finder import audit
from finder.accounts import use_cases
from finder.accounts.link_mail import mail_link
from finder.accounts.users import SelfLockout, all_users
from finder.domain.accounts import MAX_ACCOUNT_TEXT, ROLES, InvalidAccountText
from finder.domain.contact import NON_ASCII_EMAIL, NOT_ALLOWED, InvalidEmail
from finder.domain.errors import DomainError
from finder.storage import db
from finder.storage.models import CenterRow, UserRow
from finder.web.access import ADMIN, allow
from finder.web.commands import run
from finder.web.ids import record_id
from finder.web.params import page_number

admin = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE = 100
FIRST_AUDIT_YEAR, LAST_AUDIT_YEAR = 2000, 2999


@admin.errorhandler(use_cases.NoSuchUser)
def _no_such_user(error: use_cases.NoSuchUser) -> ResponseReturnValue:
    """The same answer as any other page that is not there."""
    return current_app.handle_http_exception(NotFound(error.message))


def _centers() -> list[CenterRow]:
    return list(db.session().scalars(select(CenterRow).order_by(CenterRow.state, CenterRow.name)))


def center_label(center: CenterRow) -> str:
    """How a center is offered and named: "Dana-Farber/Brigham Cancer Center (Boston, MA)"."""
    return f"{center.name} ({center.city}, {center.state})"


@admin.app_context_processor
def _center_words() -> dict[str, object]:
    return {"center_label": center_label}


class UnknownCenterName(DomainError):
    code = "unknown_center"

    def __init__(self, name: str) -> None:
        super().__init__(f"No center is called {name!r}: pick one of the suggestions.")
        self.name = name


def _chosen_centers(form: MultiDict[str, str]) -> list[str]:
    """The centers kept (ticked) and the one typed in by its name, or its id."""
    chosen = form.getlist("centers")
    typed = " ".join(form.get("add_center", "").split())
    if typed:
        folded = typed.casefold()
        found = next(
            (c.id for c in _centers() if folded in (center_label(c).casefold(), c.id.casefold())),
            None,
        )
        if found is None:
            raise UnknownCenterName(typed[:100])
        chosen.append(found)
    return list(dict.fromkeys(chosen))


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
    try:
        created = run(
            use_cases.create_account,
            email=form.get("email", ""),
            role=form.get("role", ""),
            name=form.get("name", ""),
            practice=form.get("practice", ""),
            centers=_chosen_centers(form),
            mail_link=mail_link,
        )
    except DomainError as error:
        values = {**form.to_dict(), "centers": form.getlist("centers")}
        status = 409 if error.code == "account_exists" else 400
        return _users_page(values, _refusal(error), status)
    _flash_invitation(bool(created.invitation_sent), created.user.email)
    return redirect(url_for("admin.user", user_id=created.user.id))


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
    form = request.form
    try:
        run(
            use_cases.assign,
            user_id,
            role=form.get("role", ""),
            practice=form.get("practice", ""),
            centers=_chosen_centers(form),
        )
    except use_cases.NoSuchUser:
        raise
    except DomainError as error:
        return _user_page(_user_or_404(user_id), _refusal(error), 400)
    flash(gettext("Saved."))
    return redirect(url_for("admin.user", user_id=user_id))


@admin.post("/users/<int:user_id>/active")
@allow(ADMIN)
def set_user_active(user_id: int) -> Response | tuple[str, int]:
    active = request.form.get("active") == "1"
    try:
        run(use_cases.set_active, user_id, active)
    except SelfLockout as error:
        return _user_page(_user_or_404(user_id), _refusal(error), 400)
    flash(gettext("Account activated.") if active else gettext("Account deactivated."))
    return redirect(url_for("admin.user", user_id=user_id))


@admin.post("/users/<int:user_id>/invitation")
@allow(ADMIN)
def resend_invitation(user_id: int) -> Response:
    sent = run(use_cases.resend_invitation, user_id, mail_link=mail_link)
    _flash_invitation(bool(sent.invitation_sent), sent.user.email)
    return redirect(url_for("admin.user", user_id=user_id))


def _refusal(error: DomainError) -> str:
    """The page's words for a refused change; the rule itself lives in finder.accounts."""
    if isinstance(error, UnknownCenterName):
        return gettext(
            "No center is called “%(name)s”: pick one of the suggestions.", name=error.name
        )
    if isinstance(error, SelfLockout):
        if error.change == "role":
            return gettext("You cannot change your own role.")
        return gettext("You cannot deactivate your own account.")
    if isinstance(error, InvalidEmail):
        if error.reason == NON_ASCII_EMAIL:
            return gettext(
                "Use an address with only ASCII letters, digits and . _ + - before the @: most "
                "mail servers cannot deliver to other addresses."
            )
        return gettext("Enter a valid email address.")
    if isinstance(error, InvalidAccountText):
        field, reason = next(iter(error.fields.items()))
        if reason == NOT_ALLOWED:
            if field == "name":
                return gettext("Write the name on one line, without control characters.")
            return gettext("Write the practice on one line, without control characters.")
        return gettext("Use at most %(num)d characters.", num=MAX_ACCOUNT_TEXT)
    return error.message


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
    number = record_id(text)
    if number is None:
        abort(400, description=gettext("No user has this number."))
    return number


def _day(text: str | None, *, next_day: bool = False) -> datetime | None:
    """A filter's date; the log holds no event before 2000 or after 2999."""
    if not text:
        return None
    try:
        day = datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), time(), UTC)
    except ValueError:
        day = None
    if day is None or not FIRST_AUDIT_YEAR <= day.year <= LAST_AUDIT_YEAR:
        abort(
            400,
            description=gettext(
                "Dates are written YYYY-MM-DD, between the years %(first)d and %(last)d.",
                first=FIRST_AUDIT_YEAR,
                last=LAST_AUDIT_YEAR,
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
    offset = (page - 1) * AUDIT_PAGE
    events = run(use_cases.view_audit_log, criteria, limit=AUDIT_PAGE + 1, offset=offset)
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
    exported_at = run(use_cases.export_audit_log)
    stamp = exported_at.strftime("%Y%m%dT%H%M%SZ")
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
