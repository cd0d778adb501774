"""Products are data, with their indications and the ages their labels allow."""

import pytest

from finder.domain.errors import UnknownReference
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
