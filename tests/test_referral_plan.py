"""The proximity-stay plan of a referral, without a database: its dates under each rule set of
data/proximity_rules.json, for one infusion and for Aucatzyl's split dose (days 1 and 10),
planned or recorded, and whether home lies within the rule's radius of the center."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from finder.centers.catalog import Catalog
from finder.config import PROJECT_ROOT
from finder.domain.journey import journey
from finder.domain.ranking import CenterIndex
from finder.referrals.records import history
from finder.referrals.views import DashboardRow, referral_json, referral_plan
from finder.storage.models import ReferralEventRow, ReferralRow
from tests.domain_fixtures import PRODUCTS, RULES, center

RULE_FILE = json.loads((PROJECT_ROOT / "data" / "proximity_rules.json").read_text())
RULE_IDS = [rule["id"] for rule in RULE_FILE["rules"]]
DAYS = {rule["id"]: (rule["stay_days"], rule["no_driving_days"]) for rule in RULE_FILE["rules"]}

BOSTON = center("dana-farber-boston", 42.3374, -71.1082, products=(*PRODUCTS.ids,))
CATALOG = Catalog(products=PRODUCTS, rules=RULES, centers=CenterIndex([BOSTON], PRODUCTS))
EMPTY_CATALOG = Catalog(products=PRODUCTS, rules=RULES, centers=CenterIndex([], PRODUCTS))

HOMES = {
    "brookline": (42.3318, -71.1212),  # a few minutes away
    "worcester": (42.2626, -71.8023),  # about an hour away
    "houston": (29.7604, -95.3698),  # days away by road
    "honolulu": (21.3069, -157.8583),  # no road to the mainland
}
RECORDED = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
JOURNEY_TO_INFUSION = (
    "referral", "consultation", "benefits", "leukapheresis", "manufacturing", "lymphodepletion",
)  # fmt: skip


def referral(
    *,
    rule: str = "us-2025",
    product: str | None = "yescarta",
    infusions: tuple[date, ...] = (),
    planned: date | None = None,
    home: str | None = None,
) -> ReferralRow:
    """A referral as the database would hold it, built without one: its history walks the
    journey to lymphodepletion a day per stage before the first infusion, then the infusions."""
    start = (infusions[0] if infusions else date(2027, 1, 1)) - timedelta(days=30)
    stages = [(stage, start + timedelta(days=n)) for n, stage in enumerate(JOURNEY_TO_INFUSION)]
    stages += [("infusion", day) for day in infusions]
    lat, lon = HOMES[home] if home else (None, None)
    return ReferralRow(
        id=1,
        provider_id=7,
        center_id=BOSTON.id,
        patient_name="Alex Doe",
        patient_birth_date=date(1960, 5, 1),
        patient_email="",
        patient_phone="",
        home_label=home or "",
        home_lat=lat,
        home_lon=lon,
        home_precision="city" if home else "",
        indication="LBCL",
        product=product,
        rule_id=rule,
        planned_infusion=planned,
        stage=stages[-1][0],
        stage_since=stages[-1][1],
        created_at=RECORDED,
        updated_at=RECORDED,
        events=[event(n, stage, day) for n, (stage, day) in enumerate(stages)],
    )


def event(position: int, stage: str, day: date, correction_of: int | None = None):
    return ReferralEventRow(
        referral_id=1,
        position=position,
        stage=stage,
        at=day,
        by_user_id=7,
        note="put right" if correction_of is not None else "",
        recorded_at=RECORDED,
        correction_of=correction_of,
    )


def test_the_rule_file_holds_the_three_rule_sets_tested_here():
    assert RULE_IDS == ["us-2025", "us-rems-2024", "eu"]
    assert DAYS == {"us-2025": (14, 14), "us-rems-2024": (28, 56), "eu": (28, 56)}


def test_no_plan_before_an_infusion_is_recorded_or_planned():
    assert referral_plan(referral(), CATALOG) is None


@pytest.mark.parametrize("rule", RULE_IDS)
def test_one_recorded_infusion_under_each_rule(rule):
    infused = date(2027, 3, 1)
    found = referral_plan(referral(rule=rule, infusions=(infused,)), CATALOG)
    assert found is not None and not found.planned
    stay_days, no_driving_days = DAYS[rule]
    plan = found.plan
    assert plan.rule.id == rule
    assert plan.first_infusion == plan.last_infusion == infused
    assert plan.stay_until == infused + timedelta(days=stay_days)
    assert plan.no_driving_until == infused + timedelta(days=no_driving_days)


@pytest.mark.parametrize("rule", RULE_IDS)
def test_one_planned_infusion_under_each_rule(rule):
    planned = date(2027, 5, 10)
    found = referral_plan(referral(rule=rule, planned=planned), CATALOG)
    assert found is not None and found.planned
    stay_days, no_driving_days = DAYS[rule]
    assert found.plan.first_infusion == found.plan.last_infusion == planned
    assert found.plan.stay_until == planned + timedelta(days=stay_days)
    assert found.plan.no_driving_until == planned + timedelta(days=no_driving_days)


@pytest.mark.parametrize("rule", RULE_IDS)
def test_aucatzyl_planned_covers_day_one_to_the_stay_after_day_ten(rule):
    planned = date(2027, 5, 10)
    found = referral_plan(referral(rule=rule, product="aucatzyl", planned=planned), CATALOG)
    assert found is not None and found.planned
    stay_days, no_driving_days = DAYS[rule]
    day_ten = planned + timedelta(days=9)
    assert (found.plan.first_infusion, found.plan.last_infusion) == (planned, day_ten)
    assert found.plan.stay_until == day_ten + timedelta(days=stay_days)
    assert found.plan.no_driving_until == day_ten + timedelta(days=no_driving_days)


@pytest.mark.parametrize("rule", RULE_IDS)
def test_aucatzyl_with_the_first_dose_recorded_plans_the_second(rule):
    first = date(2027, 3, 1)
    found = referral_plan(referral(rule=rule, product="aucatzyl", infusions=(first,)), CATALOG)
    assert found is not None and not found.planned
    stay_days, _ = DAYS[rule]
    assert found.plan.first_infusion == first
    assert found.plan.last_infusion == date(2027, 3, 10)  # day 10 counted from day 1
    assert found.plan.stay_until == date(2027, 3, 10) + timedelta(days=stay_days)


@pytest.mark.parametrize("rule", RULE_IDS)
def test_aucatzyl_with_both_doses_recorded_uses_the_real_second_date(rule):
    first, second = date(2027, 3, 1), date(2027, 3, 12)  # the second dose came two days late
    found = referral_plan(
        referral(rule=rule, product="aucatzyl", infusions=(first, second)), CATALOG
    )
    assert found is not None
    stay_days, no_driving_days = DAYS[rule]
    assert (found.plan.first_infusion, found.plan.last_infusion) == (first, second)
    assert found.plan.stay_until == second + timedelta(days=stay_days)
    assert found.plan.no_driving_until == second + timedelta(days=no_driving_days)


def test_a_recorded_infusion_wins_over_the_planned_date():
    infused = date(2027, 3, 3)
    found = referral_plan(referral(infusions=(infused,), planned=date(2027, 3, 1)), CATALOG)
    assert found is not None and not found.planned
    assert found.plan.first_infusion == infused


def test_an_infusion_put_right_by_a_correction_falls_back_to_the_plan():
    made = referral(infusions=(date(2027, 3, 1),), planned=date(2027, 3, 8))
    position = len(made.events)
    made.events.append(event(position, "lymphodepletion", date(2027, 3, 1), position - 1))
    assert journey(history(made)).stage == "lymphodepletion"
    found = referral_plan(made, CATALOG)
    assert found is not None and found.planned
    assert found.plan.first_infusion == date(2027, 3, 8)


def test_an_unknown_product_counts_one_infusion():
    found = referral_plan(referral(product=None, planned=date(2027, 5, 10)), CATALOG)
    assert found is not None and found.plan.last_infusion == date(2027, 5, 10)


@pytest.mark.parametrize(
    ("home", "within", "drivable"),
    [("brookline", True, True), ("worcester", True, True), ("houston", False, True)],
)
@pytest.mark.parametrize("rule", RULE_IDS)
def test_home_within_or_beyond_the_radius(rule, home, within, drivable):
    found = referral_plan(referral(rule=rule, home=home, planned=date(2027, 5, 10)), CATALOG)
    assert found is not None and found.home_known
    assert found.plan.within_proximity is within
    assert found.plan.needs_lodging is not within
    assert (found.drive_minutes is not None) is drivable
    radius = RULES.get(rule).stay_radius_minutes
    assert found.drive_minutes is not None
    assert (found.drive_minutes <= radius) is within


def test_a_home_with_no_road_to_the_center_needs_lodging():
    found = referral_plan(referral(home="honolulu", planned=date(2027, 5, 10)), CATALOG)
    assert found is not None and found.home_known
    assert found.drive_minutes is None
    assert not found.plan.within_proximity and found.plan.needs_lodging


def test_without_a_home_the_plan_cannot_say_whether_home_will_do():
    found = referral_plan(referral(planned=date(2027, 5, 10)), CATALOG)
    assert found is not None and not found.home_known and found.drive_minutes is None


def test_a_center_withdrawn_from_the_list_still_has_its_dates():
    found = referral_plan(referral(home="brookline", planned=date(2027, 5, 10)), EMPTY_CATALOG)
    assert found is not None and not found.home_known
    assert found.plan.stay_until == date(2027, 5, 24)


def _json(made: ReferralRow) -> dict:
    past = history(made)
    row = DashboardRow(
        referral=made,
        journey=journey(past),
        days_in_stage=0,
        next_appointment=None,
        flags=(),
        plan=referral_plan(made, CATALOG),
    )
    return referral_json(row, BOSTON.name)


def test_the_json_carries_the_plan_only_once_an_infusion_is_recorded_or_planned():
    body = _json(referral(rule="eu"))
    assert not {"stay_until", "no_driving_until", "within_proximity", "plan"} & set(body)
    assert body["rule"] == "eu"
    body = _json(referral(rule="eu", product="aucatzyl", planned=date(2027, 5, 10), home="houston"))
    assert body["stay_until"] == "2027-06-16"  # day 10 (19 May) + 28 days
    assert body["no_driving_until"] == "2027-07-14"  # + 56 days
    assert body["within_proximity"] is False and body["rule"] == "eu"
    assert body["plan"]["planned"] is True and body["plan"]["lodging_needed"] is True
    assert body["plan"]["first_infusion"] == "2027-05-10"
    assert body["plan"]["last_infusion"] == "2027-05-19"


def test_the_json_says_null_for_proximity_when_home_is_unknown():
    body = _json(referral(planned=date(2027, 5, 10)))
    assert body["within_proximity"] is None
    assert body["plan"]["home_known"] is False and body["plan"]["lodging_needed"] is None
    assert body["plan"]["drive_minutes"] is None
