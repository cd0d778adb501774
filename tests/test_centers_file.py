"""The centers CSV: every row validated, all rows loaded or none."""

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finder.centers.files import read_centers_csv
from finder.config import PROJECT_ROOT
from finder.domain.errors import InvalidCenterFile
from finder.storage import db
from finder.storage.models import CenterRow
from tests.conftest import SMALL_CENTERS
from tests.domain_fixtures import PRODUCTS

REAL_CENTERS = PROJECT_ROOT / "data" / "centers.csv"


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue())
    return path


def with_change(tmp_path: Path, line: int, **changes: str) -> Path:
    rows = rows_of(SMALL_CENTERS)
    rows[line - 2].update(changes)
    return write(tmp_path / "bad.csv", rows)


def problems(path: Path) -> list[str]:
    with pytest.raises(InvalidCenterFile) as caught:
        read_centers_csv(path, PRODUCTS)
    return caught.value.problems


def test_the_shipped_list_is_valid_and_large_enough():
    centers = read_centers_csv(REAL_CENTERS, PRODUCTS)
    assert len(centers) >= 120


def test_the_shipped_list_covers_every_region():
    states = {c.address.state for c in read_centers_csv(REAL_CENTERS, PRODUCTS)}
    regions = {
        "northeast": {"MA", "NY", "PA", "NJ", "CT"},
        "southeast": {"FL", "GA", "NC", "TN", "VA"},
        "midwest": {"IL", "OH", "MI", "MN", "MO", "WI"},
        "south": {"TX", "OK", "LA", "AR"},
        "mountain": {"CO", "UT", "AZ", "NM", "NV", "ID"},
        "pacific": {"CA", "WA", "OR"},
    }
    for region, members in regions.items():
        assert states & members, region


def test_every_shipped_center_names_its_source():
    assert all(c.source for c in read_centers_csv(REAL_CENTERS, PRODUCTS))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"lat": "51.5", "lon": "-0.12"}, "line 3: lat/lon: the point is outside the US"),
        ({"lat": "north"}, "line 3: lat: not a number"),
        ({"products": "yescarta;unobtainium"}, "line 3: products: unknown unobtainium"),
        ({"indications": "LBCL;XYZ"}, "line 3: indications: unknown XYZ"),
        ({"populations": "elderly"}, "line 3: populations: unknown elderly"),
        ({"timezone": "Mars/Olympus_Mons"}, "line 3: timezone: not an IANA time zone"),
        ({"timezone": "EST5EDT "}, None),
        ({"zip": "2115"}, "line 3: zip: must be five digits"),
        ({"state": "XX"}, "line 3: state: not a US state or territory code"),
        ({"id": "MSK NY"}, "line 3: id: use lowercase letters"),
        ({"name": ""}, "line 3: name: required"),
        ({"phone": "call us"}, "line 3: phone: write it as +1-NNN-NNN-NNNN"),
        ({"website": "http://example.org"}, "line 3: website: must start with https://"),
        ({"verified_on": "yesterday"}, "line 3: verified_on: not a date"),
        # A quoted line break makes the row end on the file's next line, which is the one named.
        ({"name": "Memorial\r\nBcc: x@example.org"}, "line 4: name: contains characters"),
        ({"city": "New\u2028York"}, "line 3: city: contains characters"),
        ({"street": "1275 York Ave\x07"}, "line 3: street: contains characters"),
    ],
)
def test_a_bad_field_is_named_with_its_line(tmp_path, changes, expected):
    path = with_change(tmp_path, 3, **changes)
    if expected is None:
        read_centers_csv(path, PRODUCTS)
        return
    found = problems(path)
    assert any(p.startswith(expected) for p in found), found


def test_a_duplicate_id_names_both_lines(tmp_path):
    path = with_change(tmp_path, 4, id="dana-farber-boston")
    assert "line 4: id: duplicate of line 2" in problems(path)


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    rows = rows_of(SMALL_CENTERS)
    rows[0]["zip"] = "x"
    rows[5]["timezone"] = "Nowhere/None"
    found = problems(write(tmp_path / "bad.csv", rows))
    assert len(found) == 2
    assert found[0].startswith("line 2: zip") and found[1].startswith("line 7: timezone")


def test_a_missing_column_is_reported(tmp_path):
    rows = [{k: v for k, v in row.items() if k != "timezone"} for row in rows_of(SMALL_CENTERS)]
    assert problems(write(tmp_path / "bad.csv", rows)) == [
        "line 1: header: missing column(s) timezone"
    ]


def test_a_missing_file_is_reported(tmp_path):
    assert "no such file" in problems(tmp_path / "absent.csv")[0]


def test_a_bad_row_loads_nothing(make_app, tmp_path):
    app = make_app()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["load-centers", str(with_change(tmp_path, 5, lat="999"))])
    assert result.exit_code == 1
    assert "line 5: lat: out of range" in result.output
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(CenterRow)) == 0


def test_a_bad_reload_keeps_the_previous_catalog(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["load-centers", str(with_change(tmp_path, 2, zip=""))])
    assert result.exit_code == 1
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(CenterRow)) == 12


def test_load_centers_loads_every_row(make_app):
    app = make_app()
    result = app.test_cli_runner().invoke(args=["load-centers", str(SMALL_CENTERS)])
    assert result.exit_code == 0, result.output
    assert "Loaded 12 centers" in result.output


def test_init_db_twice_is_safe_and_loads_the_shipped_list(make_app):
    app = make_app()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    expected = len(read_centers_csv(REAL_CENTERS, PRODUCTS))
    with app.app_context():
        count = db.session().scalar(select(func.count()).select_from(CenterRow))
    assert count == expected


def test_centers_absent_from_a_new_file_are_deactivated_not_deleted(app, tmp_path):
    rows = rows_of(SMALL_CENTERS)[:3]
    result = app.test_cli_runner().invoke(
        args=["load-centers", str(write(tmp_path / "three.csv", rows))]
    )
    assert result.exit_code == 0
    with app.app_context():
        session = db.session()
        assert session.scalar(select(func.count()).select_from(CenterRow)) == 12
        active = session.scalar(select(func.count()).select_from(CenterRow).where(CenterRow.active))
        assert active == 3
