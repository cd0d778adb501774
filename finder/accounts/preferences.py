"""An account's own settings: the time zone, language and 12/24-hour clock its pages and mails
use, and (staff only) which changes at their centers they are mailed about, and how often.

Each change is audited as `settings_changed` (no values: they are the account's own)."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from finder.domain.errors import DomainError
from finder.domain.notices import HOUR_CYCLES, NOTICE_KINDS, chosen
from finder.domain.zones import valid_zone
from finder.storage.models import UserSettingRow
from finder.unit_of_work import UnitOfWork

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Settings:
    timezone: str = ""  # "" = the center's zone
    language: str = ""  # "" = the browser's
    hour_cycle: str = ""  # "" = the language's usual clock
    notices: tuple[str, ...] = ()
    digest: bool = False


class InvalidSettings(DomainError):
    code = "invalid_settings"


def settings_of(session: Session, user_id: int) -> Settings:
    row = session.get(UserSettingRow, user_id)
    if row is None:
        return Settings()
    return Settings(
        timezone=row.timezone,
        language=row.language,
        hour_cycle=row.hour_cycle,
        notices=tuple(chosen(row.notices)),
        digest=row.digest,
    )


def check(asked: Settings) -> Settings:
    """The settings as stored, or InvalidSettings naming each field that cannot be kept."""
    problems = {}
    if asked.timezone and valid_zone(asked.timezone) is None:
        problems["timezone"] = "unknown time zone"
    if asked.language and asked.language not in LANGUAGES:
        problems["language"] = "unknown language"
    if asked.hour_cycle and asked.hour_cycle not in HOUR_CYCLES:
        problems["hour_cycle"] = "12 or 24"
    unknown = [kind for kind in asked.notices if kind not in NOTICE_KINDS]
    if unknown:
        problems["notices"] = "unknown kind of notice"
    if problems:
        raise InvalidSettings("Some settings cannot be kept.", fields=problems)
    return asked


def save_settings(uow: UnitOfWork, user_id: int, role: str, asked: Settings) -> Settings:
    """Keep the account's settings; only staff keep notices."""
    kept = check(asked)
    row = uow.session.get(UserSettingRow, user_id) or UserSettingRow(user_id=user_id)
    row.timezone = kept.timezone
    row.language = kept.language
    row.hour_cycle = kept.hour_cycle
    row.notices = chosen(kept.notices) if role == "staff" else []
    row.digest = kept.digest if role == "staff" else False
    uow.session.add(row)
    uow.audit("settings_changed", target_type="user", target_id=user_id)
    uow.commit()
    return settings_of(uow.session, user_id)
