"""The US federal holidays' names in the page's language (finder.domain.holidays names them
in English)."""

from flask_babel import gettext


def holiday_names() -> dict[str, str]:
    return {
        "New Year's Day": gettext("New Year's Day"),
        "Birthday of Martin Luther King, Jr.": gettext("Birthday of Martin Luther King, Jr."),
        "Washington's Birthday": gettext("Washington's Birthday"),
        "Memorial Day": gettext("Memorial Day"),
        "Juneteenth National Independence Day": gettext("Juneteenth National Independence Day"),
        "Independence Day": gettext("Independence Day"),
        "Labor Day": gettext("Labor Day"),
        "Columbus Day": gettext("Columbus Day"),
        "Veterans Day": gettext("Veterans Day"),
        "Thanksgiving Day": gettext("Thanksgiving Day"),
        "Christmas Day": gettext("Christmas Day"),
    }
