"""The Spanish catalogue is complete and current."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from finder.config import PROJECT_ROOT

CATALOGUE = PROJECT_ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def messages(path):
    with path.open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


def test_every_spanish_message_is_translated():
    untranslated = [
        m.id for m in messages(CATALOGUE) if not m.string or "fuzzy" in m.flags or (
            isinstance(m.string, tuple) and not all(m.string)
        )
    ]  # fmt: skip
    assert untranslated == []


def test_the_catalogue_holds_every_string_of_the_code_and_templates(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg",
            "-k", "N_", "-k", "_", "-k", "gettext", "-k", "ngettext:1,2",
            "-k", "gettext_format", "--no-location",
            "-o", str(template), ".",
        ],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    wanted = {m.id for m in messages(template)}
    have = {m.id for m in messages(CATALOGUE) if m.string}
    assert wanted - have == set()


def test_the_compiled_catalogue_matches_the_source():
    with CATALOGUE.with_suffix(".mo").open("rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    source = {_key(m.id): _key(m.string) for m in messages(CATALOGUE) if m.string}
    assert compiled == source


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value
