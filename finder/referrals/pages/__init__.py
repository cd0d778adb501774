"""The referral pages: the provider's dashboard, the center's referrals by stage, the form to
refer a patient (blueprint `referrals`), and one referral's page (blueprint `referral`)."""

from flask import Blueprint

referrals = Blueprint("referrals", __name__)
referral_page = Blueprint("referral", __name__)

# The routes declare themselves on the blueprints above.
from finder.referrals.pages import center, dashboard, new, timeline  # noqa: E402

__all__ = ["center", "dashboard", "new", "referral_page", "referrals", "timeline"]
