"""The three rule sets are data with a source and an effective date."""

from datetime import date

import pytest

from finder.domain.errors import UnknownReference
from tests.domain_fixtures import RULES


def test_the_default_rule_is_the_2025_us_labels():
    rule = RULES.get(None)
    assert rule.id == "us-2025"
    assert (rule.stay_radius_minutes, rule.stay_days, rule.no_driving_days) == (120, 14, 14)
    assert rule.effective == date(2025, 6, 26)


def test_the_legacy_rems_rule_keeps_four_weeks_and_eight_weeks_without_driving():
    rule = RULES.get("us-rems-2024")
    assert (rule.stay_radius_minutes, rule.stay_days, rule.no_driving_days) == (120, 28, 56)


def test_the_eu_rule_keeps_four_weeks():
    rule = RULES.get("eu")
    assert (rule.stay_radius_minutes, rule.stay_days, rule.no_driving_days) == (120, 28, 56)


def test_every_rule_names_its_source():
    assert all(rule.source for rule in RULES.rules)
    assert RULES.ids == ("us-2025", "us-rems-2024", "eu")


def test_within_proximity_is_inclusive_of_the_radius():
    rule = RULES.get("us-2025")
    assert rule.within_proximity(120)
    assert not rule.within_proximity(120.5)
    assert not rule.within_proximity(None)


def test_unknown_rule_is_refused():
    with pytest.raises(UnknownReference):
        RULES.get("mars-2030")
