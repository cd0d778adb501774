"""The patient journey: stage order as a rule of the domain, corrections that never rewrite
history, days in stage, overdue flags and the infusion dates a stay plan is built from."""

from datetime import UTC, date, datetime, timedelta

import pytest

from finder.domain.errors import DomainError
from finder.domain.journey import (
    EXITS,
    LABELS,
    STAGES,
    InvalidStageChange,
    StageChange,
    StageNotAllowed,
    current_stage,
    infusion_dates,
    journey,
    move_allowed,
    record_correction,
    record_move,
)
from finder.domain.journey_flags import days_in_stage, overdue
from finder.domain.stay_plan import stay_plan
from tests.domain_fixtures import PRODUCTS, RULES

DAY_ONE = date(2027, 1, 4)
TODAY = date(2027, 6, 1)
RECORDED = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
EXIT_STAGES = ("not_eligible", "declined", "deceased", "lost_to_follow_up")
ALL = (*STAGES, *EXITS)

# The rule table, written out by hand: every move (not correction) that is allowed.
ALLOWED = {
    None: {"eligibility", "referral"},
    "eligibility": {"referral", *EXIT_STAGES},
    "referral": {"consultation", *EXIT_STAGES},
    "consultation": {"benefits", "leukapheresis", *EXIT_STAGES},
    "benefits": {"leukapheresis", *EXIT_STAGES},
    "leukapheresis": {"leukapheresis", "manufacturing", *EXIT_STAGES},
    "manufacturing": {"leukapheresis", "lymphodepletion", *EXIT_STAGES},
    "lymphodepletion": {"infusion", *EXIT_STAGES},
    "infusion": {"infusion", "monitoring", "deceased", "lost_to_follow_up"},
    "monitoring": {"returned", "follow_up", "deceased", "lost_to_follow_up"},
    "returned": {"follow_up", "deceased", "lost_to_follow_up"},
    "follow_up": {"deceased", "lost_to_follow_up"},
    "not_eligible": set(),
    "declined": set(),
    "deceased": set(),
    "lost_to_follow_up": set(),
}
PAIRS = [(here, to) for here in ALLOWED for to in ALL]
ALLOWED_PAIRS = [(here, to) for here, to in PAIRS if to in ALLOWED[here]]
REFUSED_PAIRS = [(here, to) for here, to in PAIRS if to not in ALLOWED[here]]


def move(history, stage, at, **options):
    options.setdefault("today", TODAY)
    options.setdefault("by_user_id", 7)
    options.setdefault("recorded_at", RECORDED)
    return (*history, record_move(history, stage, at=at, **options))


def correct(history, stage, at, note="recorded by mistake", **options):
    options.setdefault("today", TODAY)
    options.setdefault("by_user_id", 7)
    options.setdefault("recorded_at", RECORDED)
    return (*history, record_correction(history, stage, at=at, note=note, **options))


def walk(*stages, start=DAY_ONE, step=1):
    """A history through these stages, one every `step` days from `start`."""
    history: tuple[StageChange, ...] = ()
    for n, stage in enumerate(stages):
        history = move(history, stage, start + timedelta(days=n * step))
    return history


def reach(stage):
    """A history that ends at `stage` (None: an empty history)."""
    if stage is None:
        return ()
    if stage in EXITS:
        return walk("eligibility", "referral", "consultation", stage)
    return walk(*STAGES[: STAGES.index(stage) + 1])


def at_after(history):
    return history[-1].at + timedelta(days=1) if history else DAY_ONE


# --- the rule table ---------------------------------------------------------------------------


def test_the_rule_table_covers_every_pair_of_stages_and_exits():
    assert len(PAIRS) == (1 + len(ALL)) * len(ALL)
    assert set(ALL) == set(LABELS)


@pytest.mark.parametrize(("here", "to"), PAIRS)
def test_move_allowed_matches_the_documented_rule_table(here, to):
    assert move_allowed(here, to) is (to in ALLOWED[here])


@pytest.mark.parametrize(("here", "to"), ALLOWED_PAIRS)
def test_an_allowed_move_is_recorded(here, to):
    history = reach(here)
    change = record_move(
        history, to, at=at_after(history), today=TODAY, by_user_id=7, recorded_at=RECORDED
    )
    assert change.stage == to
    assert not change.is_correction
    assert current_stage((*history, change)) == to


@pytest.mark.parametrize(("here", "to"), REFUSED_PAIRS)
def test_a_refused_move_raises_stage_not_allowed_naming_the_stages(here, to):
    history = reach(here)
    with pytest.raises(StageNotAllowed) as refused:
        record_move(
            history, to, at=at_after(history), today=TODAY, by_user_id=7, recorded_at=RECORDED
        )
    message = refused.value.message
    assert LABELS[here if here is not None else to] in message
    assert refused.value.code == "stage_not_allowed"
    assert refused.value.fields == {"stage": "not allowed from the current stage"}


def test_infusion_before_leukapheresis_is_refused_with_every_missing_stage_named():
    history = reach("consultation")
    with pytest.raises(StageNotAllowed) as refused:
        move(history, "infusion", at_after(history))
    assert refused.value.message == (
        "Infusion cannot come before leukapheresis, manufacturing and lymphodepletion; "
        "this referral is at consultation."
    )


def test_manufacturing_before_leukapheresis_is_refused_even_when_benefits_may_be_skipped():
    history = reach("consultation")
    with pytest.raises(StageNotAllowed, match="before leukapheresis; this referral is at"):
        move(history, "manufacturing", at_after(history))


def test_benefits_may_be_skipped_between_consultation_and_leukapheresis():
    history = move(reach("consultation"), "leukapheresis", DAY_ONE + timedelta(days=5))
    assert current_stage(history) == "leukapheresis"


def test_the_return_to_the_referring_provider_may_be_skipped_when_the_center_follows_up():
    history = move(reach("monitoring"), "follow_up", DAY_ONE + timedelta(days=20))
    assert current_stage(history) == "follow_up"


def test_a_move_backwards_is_refused_and_points_to_a_correction():
    history = reach("manufacturing")
    with pytest.raises(StageNotAllowed) as refused:
        move(history, "consultation", at_after(history))
    assert refused.value.message == (
        "Consultation comes before manufacturing. "
        "If a stage was recorded by mistake, record a correction."
    )


def test_recording_the_current_stage_again_is_refused():
    history = reach("consultation")
    with pytest.raises(StageNotAllowed, match="already at consultation"):
        move(history, "consultation", at_after(history))


def test_not_eligible_after_infusion_is_refused():
    history = reach("monitoring")
    with pytest.raises(StageNotAllowed) as refused:
        move(history, "not_eligible", at_after(history))
    assert refused.value.message == (
        "'Not eligible' can only be recorded before infusion; "
        "this referral is at monitoring near the center."
    )


def test_a_closed_referral_only_changes_by_correction():
    history = reach("declined")
    with pytest.raises(StageNotAllowed, match=r"closed \(declined\); only a correction"):
        move(history, "consultation", at_after(history))


def test_a_new_referral_cannot_start_at_consultation():
    with pytest.raises(StageNotAllowed, match="starts at eligibility or referral"):
        move((), "consultation", DAY_ONE)


def test_cells_may_be_collected_again_after_manufacturing_failed():
    history = move(reach("manufacturing"), "leukapheresis", DAY_ONE + timedelta(days=10))
    history = move(history, "manufacturing", DAY_ONE + timedelta(days=11))
    assert current_stage(history) == "manufacturing"


def test_an_unknown_stage_is_refused_naming_the_field():
    with pytest.raises(InvalidStageChange) as refused:
        move(reach("referral"), "discharged", DAY_ONE + timedelta(days=3))
    assert refused.value.fields == {"stage": "unknown stage"}
    assert "follow_up" in refused.value.message


def test_stage_errors_are_domain_errors():
    assert issubclass(StageNotAllowed, DomainError)
    assert issubclass(InvalidStageChange, DomainError)


# --- dates and notes --------------------------------------------------------------------------


def test_a_move_dated_in_the_future_is_refused():
    with pytest.raises(InvalidStageChange) as refused:
        move(reach("referral"), "consultation", TODAY + timedelta(days=1))
    assert refused.value.fields == {"at": "must not be in the future"}


def test_a_stage_dated_before_2000_is_refused_as_a_slip_however_it_is_recorded():
    with pytest.raises(InvalidStageChange) as refused:
        move((), "referral", date(1, 1, 1))
    assert refused.value.fields == {"at": "must not be before 2000-01-01"}
    with pytest.raises(InvalidStageChange):
        correct(reach("referral"), "eligibility", date(1999, 12, 31), entry=0)
    fixed = correct(reach("referral"), "eligibility", date(2000, 1, 1), entry=0)
    assert fixed[-1].at == date(2000, 1, 1)


def test_a_note_with_a_unicode_line_separator_or_an_override_is_refused():
    for note in ("seen\u2028well", "seen \u202ellew", "seen\x85well"):
        with pytest.raises(InvalidStageChange):
            move(reach("referral"), "consultation", TODAY, note=note)


def test_a_move_dated_today_is_recorded():
    assert move(reach("referral"), "consultation", TODAY)[-1].at == TODAY


def test_a_move_dated_before_the_current_stage_is_refused():
    history = reach("referral")  # referral on DAY_ONE + 1
    with pytest.raises(InvalidStageChange) as refused:
        move(history, "consultation", DAY_ONE)
    assert refused.value.fields == {"at": "must be on or after 2027-01-05"}
    assert "2027-01-05" in refused.value.message


def test_a_move_on_the_same_day_as_the_current_stage_is_recorded():
    history = reach("referral")
    assert move(history, "consultation", history[-1].at)[-1].stage == "consultation"


def test_a_move_records_who_made_it_when_and_the_trimmed_note():
    change = move(reach("referral"), "consultation", TODAY, by_user_id=42, note="  seen  ")[-1]
    assert (change.by_user_id, change.note, change.recorded_at) == (42, "seen", RECORDED)


def test_a_move_without_a_note_is_recorded():
    assert move(reach("referral"), "consultation", TODAY)[-1].note == ""


def test_a_note_may_span_lines():
    change = move(reach("referral"), "consultation", TODAY, note="seen\r\nwell")[-1]
    assert change.note == "seen\nwell"


def test_a_note_longer_than_500_characters_is_refused():
    with pytest.raises(InvalidStageChange) as refused:
        move(reach("referral"), "consultation", TODAY, note="x" * 501)
    assert refused.value.fields == {"note": "at most 500 characters"}


def test_a_note_with_control_characters_is_refused():
    with pytest.raises(InvalidStageChange) as refused:
        move(reach("referral"), "consultation", TODAY, note="seen\x00")
    assert refused.value.fields == {"note": "contains characters that are not allowed"}


def test_a_refused_move_never_repeats_the_note():
    with pytest.raises(InvalidStageChange) as refused:
        move(reach("referral"), "consultation", TODAY, note="secret diagnosis\x07")
    assert "secret" not in refused.value.message


# --- corrections ------------------------------------------------------------------------------


def test_a_correction_supersedes_the_current_entry_and_keeps_it_in_the_history():
    history = walk("referral", "consultation", "leukapheresis")
    corrected = correct(history, "benefits", DAY_ONE + timedelta(days=2))
    assert corrected[:3] == history
    view = journey(corrected)
    assert [e.superseded_by for e in view.entries] == [None, None, 3, None]
    assert current_stage(corrected) == "benefits"


def test_a_correction_is_marked_as_one_and_names_the_entry_it_corrects():
    history = walk("referral", "consultation")
    change = correct(history, "consultation", DAY_ONE + timedelta(days=3))[-1]
    assert change.is_correction
    assert change.correction_of == 1


def test_a_correction_of_an_earlier_entry_supersedes_it_and_everything_after():
    history = walk("referral", "consultation", "benefits", "leukapheresis")
    corrected = correct(history, "consultation", DAY_ONE + timedelta(days=2), entry=1)
    view = journey(corrected)
    assert [e.superseded for e in view.entries] == [False, True, True, True, False]
    assert [c.stage for c in view.effective] == ["referral", "consultation"]


def test_a_correction_may_fix_only_the_date():
    history = walk("referral", "consultation")
    corrected = correct(history, "consultation", DAY_ONE + timedelta(days=4))
    assert journey(corrected).since == DAY_ONE + timedelta(days=4)


def test_a_correction_may_date_the_stage_earlier_than_the_wrong_entry():
    history = walk("referral", "consultation", step=10)
    corrected = correct(history, "consultation", DAY_ONE + timedelta(days=3))
    assert journey(corrected).since == DAY_ONE + timedelta(days=3)


def test_a_correction_needs_a_note():
    history = walk("referral", "consultation")
    with pytest.raises(InvalidStageChange) as refused:
        correct(history, "referral", DAY_ONE, note="  ")
    assert refused.value.fields == {"note": "required: say what was wrong"}


def test_a_correction_must_still_follow_the_stage_order():
    history = walk("referral", "consultation", "leukapheresis")
    with pytest.raises(StageNotAllowed) as refused:
        correct(history, "infusion", DAY_ONE + timedelta(days=2))
    assert refused.value.message.startswith("A correction must still follow the stage order.")
    assert "Infusion cannot come before leukapheresis" in refused.value.message


def test_a_correction_of_the_first_entry_must_be_a_starting_stage():
    with pytest.raises(StageNotAllowed, match="starts at eligibility or referral"):
        correct(walk("referral"), "consultation", DAY_ONE)


def test_a_correction_of_the_first_entry_to_eligibility_is_recorded():
    corrected = correct(walk("referral"), "eligibility", DAY_ONE)
    assert current_stage(corrected) == "eligibility"


def test_a_correction_may_not_be_dated_before_the_entry_it_follows():
    history = walk("referral", "consultation", step=5)
    with pytest.raises(InvalidStageChange) as refused:
        correct(history, "consultation", DAY_ONE - timedelta(days=1))
    assert refused.value.fields == {"at": "must be on or after 2027-01-04"}


def test_a_correction_may_not_be_dated_in_the_future():
    with pytest.raises(InvalidStageChange, match="in the future"):
        correct(walk("referral", "consultation"), "consultation", TODAY + timedelta(days=1))


def test_a_mistaken_exit_is_withdrawn_by_restating_the_stage_before_it():
    history = walk("referral", "consultation", "deceased")
    corrected = correct(history, "consultation", DAY_ONE + timedelta(days=9))
    view = journey(corrected)
    assert view.stage == "consultation"
    assert not view.closed
    assert view.since == DAY_ONE + timedelta(days=1)  # the consultation's own date


def test_a_reopened_referral_moves_on_again():
    history = correct(walk("referral", "consultation", "declined"), "consultation", TODAY)
    assert current_stage(move(history, "leukapheresis", TODAY)) == "leukapheresis"


def test_a_correction_to_another_exit_keeps_the_referral_closed():
    history = correct(walk("referral", "consultation", "declined"), "not_eligible", TODAY)
    view = journey(history)
    assert (view.stage, view.closed) == ("not_eligible", True)


def test_a_correction_may_itself_be_corrected():
    history = correct(walk("referral", "consultation", "benefits"), "leukapheresis", TODAY)
    history = correct(history, "benefits", TODAY)
    view = journey(history)
    assert [e.superseded_by for e in view.entries] == [None, None, 3, 4, None]
    assert view.stage == "benefits"


def test_a_superseded_entry_cannot_be_corrected():
    history = correct(walk("referral", "consultation", "benefits"), "leukapheresis", TODAY)
    with pytest.raises(InvalidStageChange) as refused:
        correct(history, "consultation", TODAY, entry=2)
    assert refused.value.fields == {"entry": "not in effect"}


def test_an_entry_that_does_not_exist_cannot_be_corrected():
    with pytest.raises(InvalidStageChange, match="still in effect"):
        correct(walk("referral"), "eligibility", DAY_ONE, entry=5)


def test_an_empty_history_has_nothing_to_correct():
    with pytest.raises(InvalidStageChange, match="nothing to correct"):
        correct((), "referral", DAY_ONE)


def test_a_correction_of_an_unknown_stage_is_refused():
    with pytest.raises(InvalidStageChange, match="Unknown stage"):
        correct(walk("referral"), "cured", DAY_ONE)


def test_a_history_whose_correction_names_a_superseded_entry_is_not_a_journey():
    first = record_move((), "referral", at=DAY_ONE, today=TODAY, by_user_id=1, recorded_at=RECORDED)
    fix = StageChange("eligibility", DAY_ONE, 1, "wrong", RECORDED, correction_of=0)
    with pytest.raises(ValueError, match="not effective"):
        journey((first, fix, fix))


def test_an_empty_history_has_no_stage():
    assert current_stage(()) is None
    assert days_in_stage((), TODAY) is None


# --- days in stage ----------------------------------------------------------------------------


def test_days_in_stage_count_from_the_stage_date():
    history = walk("referral", "consultation")  # consultation on DAY_ONE + 1
    assert days_in_stage(history, DAY_ONE + timedelta(days=11)) == 10


def test_days_in_stage_are_zero_on_the_day_the_stage_is_recorded():
    history = walk("referral")
    assert days_in_stage(history, DAY_ONE) == 0


def test_a_repeated_collection_counts_from_the_first_one():
    history = walk("referral", "consultation", "leukapheresis", "leukapheresis")
    assert days_in_stage(history, DAY_ONE + timedelta(days=10)) == 8


def test_days_in_stage_follow_the_corrected_date():
    history = correct(walk("referral", "consultation"), "consultation", DAY_ONE + timedelta(days=5))
    assert days_in_stage(history, DAY_ONE + timedelta(days=10)) == 5


def test_days_in_an_exit_count_from_the_exit():
    history = walk("referral", "consultation", "declined")
    assert days_in_stage(history, DAY_ONE + timedelta(days=12)) == 10


# --- infusion dates and the stay plan ---------------------------------------------------------


def test_no_infusion_recorded_means_no_infusion_dates():
    assert infusion_dates(reach("lymphodepletion")) == []


def test_a_single_infusion_gives_its_date():
    history = reach("infusion")
    assert infusion_dates(history) == [history[-1].at]


def test_a_split_dose_plans_the_second_infusion_from_the_first():
    history = reach("infusion")
    first = history[-1].at
    assert infusion_dates(history, (1, 10)) == [first, first + timedelta(days=9)]


def test_recorded_split_doses_replace_the_planned_ones():
    history = reach("infusion")
    first = history[-1].at
    history = move(history, "infusion", first + timedelta(days=10))
    assert infusion_dates(history, (1, 10)) == [first, first + timedelta(days=10)]


def test_a_superseded_infusion_date_is_left_out():
    history = reach("infusion")
    corrected = correct(history, "infusion", history[-1].at + timedelta(days=1))
    assert infusion_dates(corrected) == [history[-1].at + timedelta(days=1)]


def test_an_aucatzyl_stay_runs_to_two_weeks_after_the_day_10_dose():
    aucatzyl = PRODUCTS.get("aucatzyl")
    history = walk(*STAGES[:7], start=date(2027, 1, 20))
    history = move(history, "infusion", date(2027, 2, 1))
    plan = stay_plan(
        infusion_dates(history, aucatzyl.infusion_days),
        RULES.get("us-2025"),
        within_proximity=False,
    )
    assert (plan.first_infusion, plan.last_infusion) == (date(2027, 2, 1), date(2027, 2, 10))
    assert plan.stay_until == date(2027, 2, 24)
    assert plan.needs_lodging


# --- overdue flags ----------------------------------------------------------------------------


def test_a_referral_waiting_22_days_for_a_consultation_is_not_flagged():
    assert overdue(walk("referral"), DAY_ONE + timedelta(days=22)) == ()


def test_a_referral_waiting_23_days_for_a_consultation_is_flagged():
    (flag,) = overdue(walk("referral"), DAY_ONE + timedelta(days=23))
    assert flag.code == "consultation_overdue"
    assert flag.days == 23
    assert flag.message == (
        "Referred 23 days ago, no consultation yet (the median is about 11 days)."
    )


def test_a_consultation_28_days_ago_without_collection_is_not_flagged():
    history = walk("referral", "consultation")
    assert overdue(history, DAY_ONE + timedelta(days=29)) == ()


def test_a_consultation_29_days_ago_without_collection_is_flagged():
    (flag,) = overdue(walk("referral", "consultation"), DAY_ONE + timedelta(days=30))
    assert (flag.code, flag.days) == ("leukapheresis_overdue", 29)
    assert flag.message == "Consultation done 29 days ago, no leukapheresis yet."


def test_the_wait_for_collection_counts_from_the_consultation_through_benefits():
    history = walk("referral", "consultation", "benefits", step=10)
    (flag,) = overdue(history, DAY_ONE + timedelta(days=40))
    assert (flag.code, flag.days) == ("leukapheresis_overdue", 30)


def test_manufacturing_within_five_weeks_of_collection_is_not_flagged():
    history = walk("referral", "consultation", "leukapheresis", "manufacturing")
    assert overdue(history, DAY_ONE + timedelta(days=2 + 35)) == ()


def test_manufacturing_past_five_weeks_of_collection_is_flagged():
    history = walk("referral", "consultation", "leukapheresis", "manufacturing")
    (flag,) = overdue(history, DAY_ONE + timedelta(days=2 + 36))
    assert (flag.code, flag.days) == ("lymphodepletion_overdue", 36)
    assert "Cells collected 36 days ago, no lymphodepletion yet" in flag.message


def test_a_new_collection_restarts_the_manufacturing_wait():
    history = walk("referral", "consultation", "leukapheresis", "manufacturing")
    history = move(history, "leukapheresis", DAY_ONE + timedelta(days=30))
    assert overdue(history, DAY_ONE + timedelta(days=50)) == ()


def test_an_infusion_more_than_a_week_after_lymphodepletion_began_is_flagged():
    history = reach("lymphodepletion")
    began = history[-1].at
    assert overdue(history, began + timedelta(days=7)) == ()
    (flag,) = overdue(history, began + timedelta(days=8))
    assert (flag.code, flag.message) == (
        "infusion_overdue",
        "Lymphodepletion began 8 days ago, no infusion yet.",
    )


def test_a_stay_that_ended_without_a_return_is_flagged_with_the_rule():
    history = reach("monitoring")
    infused = infusion_dates(history)[0]
    rule = RULES.get("us-2025")
    assert overdue(history, infused + timedelta(days=14), rule=rule) == ()
    (flag,) = overdue(history, infused + timedelta(days=17), rule=rule)
    assert (flag.code, flag.days) == ("return_overdue", 3)
    assert f"ended on {(infused + timedelta(days=14)).isoformat()} (3 days ago)" in flag.message


def test_a_split_dose_stay_ends_two_weeks_after_the_planned_last_dose():
    history = reach("infusion")
    infused = history[-1].at
    rule = RULES.get("us-2025")
    assert overdue(history, infused + timedelta(days=23), rule=rule, infusion_days=(1, 10)) == ()
    assert overdue(history, infused + timedelta(days=23), rule=rule) != ()


def test_a_stay_is_not_flagged_without_a_rule():
    assert overdue(reach("monitoring"), TODAY + timedelta(days=365)) == ()


@pytest.mark.parametrize("stage", ["eligibility", "returned", "follow_up", *EXIT_STAGES])
def test_stages_without_a_typical_duration_are_never_flagged(stage):
    history = reach(stage)
    assert overdue(history, TODAY + timedelta(days=365), rule=RULES.get("us-2025")) == ()
