"""Products are data, with their indications and the ages their labels allow."""

from datetime import date, timedelta

import pytest

from finder.domain.errors import UnknownReference
from finder.domain.products import NOT_AT_AGE, NOT_FOR_INDICATION, NotOnLabel, age_in_years
from tests.domain_fixtures import PRODUCTS


def test_seven_us_products_are_known():
    assert PRODUCTS.ids == (
        "kymriah", "yescarta", "tecartus", "breyanzi", "abecma", "carvykti", "aucatzyl",
    )  # fmt: skip


def test_only_kymriah_is_labelled_for_children():
    assert PRODUCTS.eligible(None, None, "pediatric") == ("kymriah",)


def test_kymriah_treats_children_only_for_b_all():
    kymriah = PRODUCTS.get("kymriah")
    assert kymriah.treats("B-ALL", "pediatric")
    assert not kymriah.treats("LBCL", "pediatric")
    assert kymriah.treats("LBCL", "adult")


def test_myeloma_products_are_the_bcma_ones():
    assert PRODUCTS.eligible(None, "MM", None) == ("abecma", "carvykti")


def test_aucatzyl_is_a_split_dose():
    assert PRODUCTS.get("aucatzyl").infusion_days == (1, 10)


def test_unknown_product_is_refused():
    with pytest.raises(UnknownReference):
        PRODUCTS.get("unobtainium")


# The label: product, indication and age -------------------------------------------------------

TODAY = date(2027, 3, 15)


def born(years_ago: int, days: int = 0) -> date:
    return TODAY.replace(year=TODAY.year - years_ago) + timedelta(days=days)


def test_a_product_not_labelled_for_the_indication_is_refused_naming_both():
    with pytest.raises(NotOnLabel) as refused:
        PRODUCTS.check_label("kymriah", "MM", birth_date=born(60), on=TODAY)
    assert refused.value.fields == {"product": NOT_FOR_INDICATION}
    assert refused.value.message == "Kymriah is not approved for Multiple myeloma."
    assert refused.value.code == "not_on_label"


def test_a_patient_outside_the_labelled_ages_is_refused_without_their_age():
    with pytest.raises(NotOnLabel) as refused:
        PRODUCTS.check_label("kymriah", "B-ALL", birth_date=born(26), on=TODAY)
    assert refused.value.fields == {"product": NOT_AT_AGE}
    assert "up to 25 years of age" in refused.value.message
    assert "26" not in refused.value.message
    with pytest.raises(NotOnLabel, match="aged 18 or older"):
        PRODUCTS.check_label("yescarta", "LBCL", birth_date=born(17, days=-364), on=TODAY)


def test_the_age_counts_whole_years_on_the_day():
    PRODUCTS.check_label("kymriah", "B-ALL", birth_date=born(26, days=1), on=TODAY)  # still 25
    PRODUCTS.check_label("yescarta", "LBCL", birth_date=born(18), on=TODAY)  # 18 today
    assert age_in_years(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_in_years(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_what_the_label_covers_passes():
    PRODUCTS.check_label("kymriah", "B-ALL", birth_date=born(4), on=TODAY)
    PRODUCTS.check_label("kymriah", "LBCL", birth_date=born(60), on=TODAY)
    PRODUCTS.check_label("carvykti", "MM", birth_date=born(70), on=TODAY)
    PRODUCTS.check_label(None, "MM", birth_date=born(4), on=TODAY)  # no product chosen yet


def test_without_an_indication_any_of_the_products_indications_may_fit_the_age():
    PRODUCTS.check_label("kymriah", "", birth_date=born(10), on=TODAY)  # B-ALL admits children
    with pytest.raises(NotOnLabel, match="Yescarta is approved only for patients aged 18"):
        PRODUCTS.check_label("yescarta", "", birth_date=born(10), on=TODAY)
