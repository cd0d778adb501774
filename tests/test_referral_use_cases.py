"""The referral use cases on their own, with no web app: a plain session on SQLite and on
PostgreSQL, a unit of work from the composition root, and the catalog read from the files."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.centers.catalog import Catalog
from finder.centers.files import read_centers_csv, read_products, read_rules
from finder.centers.records import replace_centers
from finder.config import PROJECT_ROOT
from finder.domain.accounts import Actor, Role
from finder.domain.bookings import ProductNotOffered
from finder.domain.errors import UnknownReference
from finder.domain.journey import StageNotAllowed
from finder.domain.ranking import CenterIndex
from finder.referrals import use_cases
from finder.referrals.intake import ReferralRequest
from finder.referrals.records import InvalidReferral, ReferralClosed, ReferralExists
from finder.referrals.views import ReferralFilters
from finder.reminders.stage_messages import STAGE_CHANGED
from finder.storage.db import make_engine
from finder.storage.models import AuditEventRow, ReferralRow, ReminderRow, UserRow
from finder.unit_of_work import UnitOfWork
from finder.wiring import unit_of_work

NOW = datetime(2027, 1, 11, 15, 0, tzinfo=UTC)  # 10:00 in Boston
TODAY = date(2027, 1, 11)
BOSTON = "dana-farber-boston"
HOUSTON = "md-anderson-houston"
CENTERS = Path(__file__).parent / "fixtures" / "centers_small.csv"
PATIENT = {"name": "Alex Doe", "birth_date": "1970-02-03"}


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def catalog(session: Session) -> Catalog:
    data = PROJECT_ROOT / "data"
    products = read_products(data)
    centers = read_centers_csv(CENTERS, products)
    replace_centers(session, centers, now=NOW)
    session.commit()
    return Catalog(products, read_rules(data), CenterIndex(centers, products))


@pytest.fixture
def people(session: Session) -> dict[str, Actor]:
    """A provider, another provider, and staff of the Boston center."""
    found = {}
    for key, role, centers in (
        ("provider", Role.PROVIDER, frozenset()),
        ("other", Role.PROVIDER, frozenset()),
        ("staff", Role.STAFF, frozenset({BOSTON})),
    ):
        user = UserRow(email=f"{key}@example.org", role=role.value, created_at=NOW)
        session.add(user)
        session.flush()
        found[key] = Actor(user.id, role, centers)
    session.commit()
    return found


def work(session: Session, who: Actor) -> UnitOfWork:
    return unit_of_work(session, now=NOW, actor=session.get(UserRow, who.user_id))


def audited(session: Session) -> list[tuple[str, str, str]]:
    rows = session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))
    return [(row.action, row.target_id, row.outcome) for row in rows]


def notices(session: Session) -> int:
    return len(session.scalars(select(ReminderRow).where(ReminderRow.kind == STAGE_CHANGED)).all())


def referred(session: Session, catalog: Catalog, who: Actor, **more: object) -> ReferralRow:
    asked = ReferralRequest(center_id=BOSTON, patient=PATIENT, **more)  # type: ignore[arg-type]
    return use_cases.refer(work(session, who), who, asked, catalog=catalog)


def test_a_referral_is_made_and_recorded_under_one_name(session, catalog, people):
    made = referred(session, catalog, people["provider"], indication="LBCL", note="Urgent")
    assert (made.stage, made.stage_since, made.rule_id) == ("referral", TODAY, "us-2025")
    assert audited(session) == [("referral_created", str(made.id), "ok")]


def test_a_request_names_every_field_it_cannot_use_and_nothing_is_made(session, catalog, people):
    asked = ReferralRequest(
        center_id="nowhere", patient={"name": ""}, indication="XX", product="x", rule="y"
    )
    with pytest.raises(InvalidReferral) as refused:
        use_cases.refer(work(session, people["provider"]), people["provider"], asked,
                        catalog=catalog)  # fmt: skip
    assert {"center_id", "indication", "product", "rule", "patient.name"} <= {*refused.value.fields}
    session.rollback()
    assert session.scalars(select(ReferralRow)).all() == [] and audited(session) == []


def test_the_center_decides_which_products_it_gives(session, catalog, people):
    with pytest.raises(ProductNotOffered):
        asked = ReferralRequest(center_id=HOUSTON, patient=PATIENT, product="aucatzyl")
        use_cases.refer(work(session, people["provider"]), people["provider"], asked,
                        catalog=catalog)  # fmt: skip


def test_the_same_open_referral_twice_is_refused(session, catalog, people):
    referred(session, catalog, people["provider"])
    with pytest.raises(ReferralExists):
        referred(session, catalog, people["provider"])


def test_a_stage_by_the_center_tells_the_provider_in_the_same_transaction(session, catalog, people):
    made = referred(session, catalog, people["provider"])
    move = use_cases.StageEntry("consultation", note="Seen")
    use_cases.record_stage(work(session, people["staff"]), people["staff"], made.id, move,
                           catalog=catalog)  # fmt: skip
    assert notices(session) == 1
    notice = session.scalars(select(ReminderRow)).one()
    assert (notice.referral_id, notice.referral_event_id) == (made.id, made.events[-1].id)
    assert audited(session)[-1] == ("referral_stage_recorded", str(made.id), "ok")


def test_a_stage_the_provider_records_sends_nothing(session, catalog, people):
    made = referred(session, catalog, people["provider"])
    move = use_cases.StageEntry("consultation")
    use_cases.record_stage(work(session, people["provider"]), people["provider"], made.id, move,
                           catalog=catalog)  # fmt: skip
    assert notices(session) == 0


def test_a_correction_is_recorded_under_its_own_name(session, catalog, people):
    made = referred(session, catalog, people["provider"])
    provider = people["provider"]
    for entry in (
        use_cases.StageEntry("consultation"),
        use_cases.StageEntry("referral", note="Not yet", correction=True),
    ):
        use_cases.record_stage(work(session, provider), provider, made.id, entry, catalog=catalog)
    assert made.stage == "referral"
    assert [a[0] for a in audited(session)][-1] == "referral_stage_corrected"


def test_a_refused_move_changes_nothing_and_is_recorded_with_its_reason(session, catalog, people):
    made = referred(session, catalog, people["provider"])
    with pytest.raises(StageNotAllowed):
        use_cases.record_stage(
            work(session, people["staff"]), people["staff"], made.id,
            use_cases.StageEntry("infusion"), catalog=catalog,
        )  # fmt: skip
    assert len(session.get(ReferralRow, made.id).events) == 1
    assert audited(session)[-1] == ("referral_stage_recorded", str(made.id), "stage_not_allowed")
    assert notices(session) == 0


def test_another_tenants_referral_is_not_found_and_not_recorded(session, catalog, people):
    made = referred(session, catalog, people["provider"])
    with pytest.raises(UnknownReference):
        use_cases.view_referral(work(session, people["other"]), people["other"], made.id)
    use_cases.view_referral(work(session, people["staff"]), people["staff"], made.id)
    assert [a[0] for a in audited(session)] == ["referral_created", "referral_viewed"]


def test_lists_searches_and_exports_are_recorded(session, catalog, people):
    made = referred(session, catalog, people["provider"])
    staff = people["staff"]
    listed = use_cases.list_referrals(work(session, staff), staff, ReferralFilters(),
                                      catalog=catalog)  # fmt: skip
    found = use_cases.list_referrals(work(session, staff), staff, ReferralFilters(search="alex"),
                                     catalog=catalog)  # fmt: skip
    exported = use_cases.export_referrals(
        work(session, people["other"]), people["other"], ReferralFilters(), catalog=catalog
    )
    assert [row.referral.id for row in listed] == [row.referral.id for row in found] == [made.id]
    assert exported == []
    assert [a[0] for a in audited(session)][1:] == [
        "referrals_listed",
        "referrals_searched",
        "referrals_exported",
    ]


def test_a_closed_referral_keeps_its_plan(session, catalog, people):
    made = referred(session, catalog, people["provider"])
    provider = people["provider"]
    use_cases.record_stage(work(session, provider), provider, made.id,
                           use_cases.StageEntry("declined"), catalog=catalog)  # fmt: skip
    with pytest.raises(ReferralClosed):
        use_cases.change_plan(work(session, provider), provider, made.id, catalog=catalog,
                              planned_infusion=date(2027, 3, 1))  # fmt: skip


def test_a_planned_infusion_is_saved_and_recorded(session, catalog, people):
    made = referred(session, catalog, people["provider"])
    provider = people["provider"]
    use_cases.change_plan(work(session, provider), provider, made.id, catalog=catalog,
                          planned_infusion=date(2027, 3, 1))  # fmt: skip
    session.expire_all()
    assert session.get(ReferralRow, made.id).planned_infusion == date(2027, 3, 1)
    assert audited(session)[-1] == ("referral_plan_changed", str(made.id), "ok")
