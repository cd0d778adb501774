"""Names, free text and email addresses: one rule for every door, so that what reaches a mail
header or body is one line of printable text and an address every mail server delivers."""

import pytest

from finder.domain.contact import (
    INVALID_EMAIL,
    NON_ASCII_EMAIL,
    InvalidEmail,
    email_problem,
    mail_address,
    unsafe_text,
)

LINE_BREAKS_AND_CONTROLS = [
    "Pat\r\nBcc: someone@example.org",
    "Pat\nCoordinator",
    "Pat\rCoordinator",
    "Pat\x00",
    "Pat\x07",
    "Pat\x1b[31m",
    "Pat\x7f",
    "Pat\x85Coordinator",  # NEL: a line break to Python's str.splitlines and to the email package
    "Pat\u2028Coordinator",  # LINE SEPARATOR
    "Pat\u2029Coordinator",  # PARAGRAPH SEPARATOR
    "Pat\ud800",  # a lone surrogate: no UTF-8 form, so no database or message could hold it
    "Pat \u202egnirts",  # RIGHT-TO-LEFT OVERRIDE: shows the text reversed
    "Pat\u2066x\u2069",  # isolates
]


@pytest.mark.parametrize("text", LINE_BREAKS_AND_CONTROLS)
def test_a_name_with_a_line_break_or_a_control_character_is_unsafe(text):
    assert unsafe_text(text)


@pytest.mark.parametrize(
    "text", ["Zoë Álvarez-O'Brien", "李小龍", "محمد", "José\u0301", "Dr. Pat (Coordinator)"]
)
def test_names_in_any_script_with_accents_and_punctuation_are_safe(text):
    assert not unsafe_text(text)


def test_free_text_may_hold_tabs_and_line_feeds_but_nothing_else_of_the_kind():
    assert not unsafe_text("First line\n\tsecond line", multiline=True)
    assert unsafe_text("First line\tsecond", multiline=False)
    assert unsafe_text("First line\r\nsecond", multiline=True)  # forms' CR LF is made LF first
    assert unsafe_text("bell\x07", multiline=True)
    assert unsafe_text("a\u2028b", multiline=True)


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("alex@example.org", "alex@example.org"),
        ("  alex@example.org ", "alex@example.org"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("o'brien@example.org", "o'brien@example.org"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
        ("user@BÜCHER.Example", "user@xn--bcher-kva.example"),
        ("user@xn--bcher-kva.example", "user@xn--bcher-kva.example"),
        ("user@例え.テスト", "user@xn--r8jz45g.xn--zckzah"),
    ],
)
def test_an_address_is_stored_as_it_is_written_on_the_wire(entered, stored):
    assert mail_address(entered) == stored


@pytest.mark.parametrize("address", ["josé@example.org", "用户@example.org", "ünal@bücher.example"])
def test_an_address_with_non_ascii_before_the_at_is_refused_with_its_own_reason(address):
    with pytest.raises(InvalidEmail) as refused:
        mail_address(address)
    assert refused.value.reason == NON_ASCII_EMAIL
    assert refused.value.fields == {"email": NON_ASCII_EMAIL}
    assert "ASCII" in refused.value.message and address not in refused.value.message


@pytest.mark.parametrize(
    "address",
    [
        "nobody",
        "@example.org",
        "alex@",
        "alex@localhost",
        "alex@example.org.",
        "alex@127.0.0.1",
        "alex@[127.0.0.1]",
        "alex@exa_mple.org",
        "alex@-example.org",
        "alex@example..org",
        "a@b@example.org",
        "a,b@example.org",  # reads as two addresses
        "a b@example.org",
        '"a b"@example.org',  # quoted local parts are not taken
        "<alex@example.org>",
        "Alex <alex@example.org>",
        ".alex@example.org",
        "alex.@example.org",
        "al..ex@example.org",
        "alex@example.org\r\nBcc: x@example.org",
        "alex@exam\u2028ple.org",
        "x" * 65 + "@example.org",
        "alex@" + "a" * 64 + ".org",  # a label longer than 63
        "alex@" + ".".join(["a" * 60] * 5) + ".org",  # a domain longer than 253
    ],
)
def test_what_is_not_one_plain_address_is_refused(address):
    assert email_problem(address) == INVALID_EMAIL


def test_the_refusal_may_name_the_field_it_is_about():
    with pytest.raises(InvalidEmail) as refused:
        mail_address("nobody")
    assert refused.value.fields == {"email": INVALID_EMAIL}
    assert InvalidEmail(INVALID_EMAIL, field="patient.email").fields == {
        "patient.email": INVALID_EMAIL
    }
