"""The account use cases on their own: a unit of work on a plain session, no Flask app."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder import wiring
from finder.accounts import links, use_cases
from finder.accounts.credentials import SESSION, TOKEN, Lifetime, issue, resolve
from finder.accounts.users import AccountConflict, SelfLockout
from finder.audit import AuditFilter, Origin
from finder.domain.accounts import InvalidCredentials, InvalidLink, WeakPassword
from finder.storage.db import make_engine
from finder.storage.models import AuditEventRow, CenterRow, UserRow
from finder.unit_of_work import UnitOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "maple river lantern"
TOKENS = Lifetime(absolute=timedelta(hours=24))


class Mailbox:
    """A mailer that keeps what it is given; it can be told the mail server is down."""

    def __init__(self, *, working: bool = True) -> None:
        self.working = working
        self.sent: list[tuple[str, str, str, timedelta]] = []

    def __call__(self, user: UserRow, purpose: str, secret: str, valid_for: timedelta) -> bool:
        if self.working:
            self.sent.append((user.email, purpose, secret, valid_for))
        return self.working


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as opened:
        opened.add(
            CenterRow(
                id="dana-farber-boston",
                name="Dana-Farber",
                city="Boston",
                state="MA",
                zip="02215",
                lat=42.34,
                lon=-71.11,
                timezone="America/New_York",
                source="test",
                updated_at=NOW,
            )
        )
        opened.commit()
        yield opened
    engine.dispose()


def unit(session: Session, actor: UserRow | None = None, *, at: datetime = NOW) -> UnitOfWork:
    return wiring.unit_of_work(session, now=at, actor=actor, origin=Origin(ip="192.0.2.1"))


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEventRow.action).order_by(AuditEventRow.id)))


def create(session: Session, email: str, role: str = "provider", **more: object) -> UserRow:
    details: dict[str, object] = {"practice": "Cape Cod Oncology"} if role == "provider" else {}
    details.update(more)
    return use_cases.create_account(unit(session), email=email, role=role, **details).user


@pytest.fixture
def admin(session: Session) -> UserRow:
    return create(session, "admin@example.org", "admin", password=PASSWORD)


def test_creating_an_account_records_user_created_with_it(session):
    created = use_cases.create_account(
        unit(session), email="Ann@Example.org", role="provider", practice="Lowell Hematology"
    )
    assert created.user.email == "ann@example.org"
    assert created.invitation_sent is None
    assert actions(session) == ["user_created"]


def test_inviting_mails_a_link_in_the_same_transaction(session, admin):
    mailbox = Mailbox()
    created = use_cases.create_account(
        unit(session, admin), email="bo@example.org", role="admin", mail_link=mailbox
    )
    assert created.invitation_sent is True
    [(email, purpose, _, valid_for)] = mailbox.sent
    assert (email, purpose, valid_for) == ("bo@example.org", links.INVITE, timedelta(days=7))
    assert actions(session)[-2:] == ["user_created", "invitation_sent"]


def test_an_invitation_that_cannot_be_mailed_still_creates_the_account(session, admin):
    created = use_cases.create_account(
        unit(session, admin), email="cy@example.org", role="admin", mail_link=Mailbox(working=False)
    )
    assert created.invitation_sent is False
    assert session.scalar(select(UserRow).where(UserRow.email == "cy@example.org")) is not None
    assert actions(session)[-1] == "user_created"


def test_a_second_account_for_one_email_is_refused(session, admin):
    with pytest.raises(AccountConflict):
        create(session, "ADMIN@example.org", "admin")


def test_signing_in_opens_a_session_and_is_audited(session, admin):
    opened: list[UserRow] = []
    user = use_cases.sign_in(
        unit(session), "admin@example.org", PASSWORD, open_session=opened.append
    )
    assert opened == [user] == [admin]
    assert actions(session)[-1] == "sign_in"


def test_a_wrong_password_is_counted_and_audited_before_it_is_refused(session, admin):
    with pytest.raises(InvalidCredentials):
        use_cases.sign_in(
            unit(session), "admin@example.org", "wrong", open_session=lambda user: None
        )
    session.rollback()  # what the request's runner does: the failure is already committed
    event = session.scalars(select(AuditEventRow).order_by(AuditEventRow.id.desc())).first()
    assert (event.action, event.outcome, event.actor_id) == ("sign_in", "invalid_credentials", None)


def test_signing_out_is_audited_only_when_signed_in(session, admin):
    closed: list[bool] = []
    use_cases.sign_out(unit(session), close_session=lambda: closed.append(True))
    use_cases.sign_out(unit(session, admin), close_session=lambda: closed.append(True))
    assert closed == [True, True]
    assert actions(session).count("sign_out") == 1


def test_a_token_is_issued_for_a_password_and_revoked(session, admin):
    secret, row = use_cases.issue_token(
        unit(session), "admin@example.org", PASSWORD, lifetime=TOKENS
    )
    assert row.expires_at == NOW + TOKENS.absolute
    assert resolve(session, secret, kind=TOKEN, lifetime=TOKENS, now=NOW).user == admin
    use_cases.revoke_token(unit(session, admin), secret)
    assert resolve(session, secret, kind=TOKEN, lifetime=TOKENS, now=NOW).user is None
    assert actions(session)[-2:] == ["token_issued", "token_revoked"]


def test_a_reset_link_sets_the_password_once_and_ends_every_session(session, admin):
    mailbox = Mailbox()
    sessions = Lifetime(absolute=timedelta(hours=12))
    cookie, _ = issue(session, admin, kind=SESSION, lifetime=sessions, now=NOW)
    session.commit()
    use_cases.request_password_reset(unit(session), "admin@example.org", mail_link=mailbox)
    [(_, purpose, secret, valid_for)] = mailbox.sent
    assert (purpose, valid_for) == (links.RESET, timedelta(minutes=30))
    later = NOW + timedelta(minutes=5)
    use_cases.set_password(
        unit(session, at=later), secret, "a new long passphrase", purpose=purpose
    )
    assert resolve(session, cookie, kind=SESSION, lifetime=sessions, now=later).user is None
    with pytest.raises(InvalidLink):
        use_cases.set_password(
            unit(session, at=later), secret, "another passphrase", purpose=purpose
        )
    assert actions(session)[-2:] == ["password_reset_requested", "password_reset"]


def test_a_reset_for_an_unknown_email_sends_nothing_and_says_nothing(session):
    mailbox = Mailbox()
    use_cases.request_password_reset(unit(session), "nobody@example.org", mail_link=mailbox)
    assert mailbox.sent == []
    assert actions(session) == []


def test_a_weak_password_through_a_link_is_refused(session, admin):
    mailbox = Mailbox()
    created = use_cases.create_account(
        unit(session, admin), email="di@example.org", role="admin", mail_link=mailbox
    )
    secret = mailbox.sent[0][2]
    with pytest.raises(WeakPassword):
        use_cases.set_password(unit(session), secret, "short", purpose=links.INVITE)
    session.rollback()
    assert session.get(UserRow, created.user.id).password_hash is None


def test_resending_an_invitation_replaces_the_earlier_link(session, admin):
    mailbox = Mailbox()
    user = create(session, "eve@example.org")
    use_cases.resend_invitation(unit(session, admin), user.id, mail_link=mailbox)
    use_cases.resend_invitation(unit(session, admin), user.id, mail_link=mailbox)
    first, second = (sent[2] for sent in mailbox.sent)
    with pytest.raises(InvalidLink):
        links.check_link(session, first, purpose=links.INVITE, now=NOW)
    assert links.check_link(session, second, purpose=links.INVITE, now=NOW) == user


def test_assigning_staff_to_a_center_is_audited(session, admin):
    user = create(session, "fay@example.org")
    use_cases.assign(
        unit(session, admin), user.id, role="staff", practice="", centers=["dana-farber-boston"]
    )
    assert user.center_ids == {"dana-farber-boston"}
    assert actions(session)[-1] == "user_updated"


def test_an_admin_cannot_change_their_own_role_or_deactivate_themselves(session, admin):
    with pytest.raises(SelfLockout):
        use_cases.assign(unit(session, admin), admin.id, role="staff", practice="", centers=[])
    session.rollback()
    with pytest.raises(SelfLockout):
        use_cases.set_active(unit(session, admin), admin.id, False)


def test_deactivating_and_reactivating_are_audited_apart(session, admin):
    user = create(session, "gus@example.org")
    use_cases.set_active(unit(session, admin), user.id, False)
    use_cases.set_active(unit(session, admin), user.id, True)
    assert actions(session)[-2:] == ["user_deactivated", "user_reactivated"]


def test_only_an_administrator_manages_accounts_and_reads_the_log(session, admin):
    provider = create(session, "hal@example.org")
    for attempt in (
        lambda uow: use_cases.set_active(uow, admin.id, False),
        lambda uow: use_cases.assign(uow, provider.id, role="admin", practice="", centers=[]),
        lambda uow: use_cases.create_account(uow, email="ivy@example.org", role="admin"),
        lambda uow: use_cases.view_audit_log(uow, AuditFilter(), limit=10, offset=0),
    ):
        with pytest.raises(use_cases.NotAnAdmin):
            attempt(unit(session, provider))
        session.rollback()
    assert session.get(UserRow, admin.id).active


def test_a_missing_account_is_no_such_user(session, admin):
    with pytest.raises(use_cases.NoSuchUser):
        use_cases.set_active(unit(session, admin), 999_999, False)


def test_reading_and_exporting_the_audit_log_are_audited(session, admin):
    events = use_cases.view_audit_log(unit(session, admin), AuditFilter(), limit=10, offset=0)
    assert [event.action for event, _ in events] == ["user_created"]
    assert use_cases.export_audit_log(unit(session, admin)) == NOW
    assert actions(session)[-2:] == ["audit_viewed", "audit_exported"]
