"""The planner form: how many sites, and optionally the places to choose from."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext

from finder.coverage.service import MAX_K, Candidate
from finder.geocoding import AmbiguousPlace, Geocoder, GeocodingError

MAX_LINES = 50
DEFAULT_K = 5


@dataclass(frozen=True)
class PlanForm:
    k: int
    rule: str | None
    product: str | None
    candidates: list[Candidate] | None
    text: str  # the places as typed, to show them again


class PlanFormError(Exception):
    def __init__(self, message: str, text: str) -> None:
        super().__init__(message)
        self.message = message
        self.text = text


def read_plan_form(form: Mapping[str, str], geocoder: Geocoder) -> PlanForm:
    """The form's values, each place located; an error says which line and why."""
    text = form.get("candidates", "")[:10_000]
    raw_k = form.get("k", "").strip() or str(DEFAULT_K)
    # ASCII digits only, and few of them: str.isdigit() also takes "٥²", and int() refuses
    # strings of thousands of digits.
    if (
        not (raw_k.isascii() and raw_k.isdigit() and len(raw_k) <= 3)
        or not 1 <= int(raw_k) <= MAX_K
    ):
        raise PlanFormError(
            gettext("Number of sites: enter a whole number from 1 to %(max)d.", max=MAX_K), text
        )
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise PlanFormError(gettext("Enter at most %(max)d places.", max=MAX_LINES), text)
    candidates = []
    for number, line in enumerate(lines, start=1):
        try:
            place = geocoder.geocode(line)
        except AmbiguousPlace:
            raise PlanFormError(
                gettext(
                    "Place on line %(line)d: more than one place has that name; add the "
                    "state or ZIP code.",
                    line=number,
                ),
                text,
            ) from None
        except GeocodingError:
            raise PlanFormError(
                gettext("Place on line %(line)d was not found in the United States.", line=number),
                text,
            ) from None
        candidates.append(Candidate(line[:200], place.lat, place.lon))
    return PlanForm(
        k=int(raw_k),
        rule=form.get("rule") or None,
        product=form.get("product") or None,
        candidates=candidates or None,
        text=text,
    )
