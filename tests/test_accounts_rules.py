"""The account rules on their own: passwords, back-off, and who reaches which center."""

from datetime import timedelta

import pytest

from finder.accounts.passwords import common_passwords, hash_password, verify_password
from finder.domain.accounts import Actor, Role, WeakPassword, check_password, lock_after

COMMON = frozenset({"password1234", "qwertyuiop123"})


def test_a_long_uncommon_password_is_accepted():
    check_password("maple river lantern", email="a@example.org", common=COMMON)


@pytest.mark.parametrize(
    ("password", "email", "reason"),
    [
        ("short pass", "jane@example.org", "short"),
        ("x" * 129, "jane@example.org", "long"),
        ("Password1234", "jane@example.org", "common"),
        ("jane.doe@example.org", "jane.doe@example.org", "email"),
        ("JANE.DOE.ONCOLOGY", "jane.doe.oncology@example.org", "email"),
    ],
)
def test_a_weak_password_is_refused_with_its_reason(password, email, reason):
    with pytest.raises(WeakPassword) as refused:
        check_password(password, email=email, common=COMMON)
    assert refused.value.reason == reason
    assert refused.value.fields == {"password": reason}


def test_the_shipped_list_of_common_passwords_is_loaded():
    common = common_passwords()
    assert len(common) > 19_000
    assert "password" in common


def test_passwords_are_stored_as_argon2id_hashes(production_hasher):
    stored = hash_password("maple river lantern", email="a@example.org")
    # argon2id with the RFC 9106 low-memory profile: 64 MiB, 3 passes, 4 lanes.
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(stored, "maple river lantern")
    assert not verify_password(stored, "maple river lanterns")


def test_an_account_without_a_password_never_matches():
    assert not verify_password(None, "")
    assert not verify_password(None, "anything at all")


def test_sign_in_stays_open_for_the_first_failures_then_backs_off_doubling():
    assert [lock_after(n) for n in range(5)] == [timedelta(0)] * 5
    assert lock_after(5) == timedelta(minutes=1)
    assert lock_after(6) == timedelta(minutes=2)
    assert lock_after(8) == timedelta(minutes=8)
    assert lock_after(50) == timedelta(hours=1)


def test_staff_reach_only_their_centers_and_admins_reach_all():
    staff = Actor(1, Role.STAFF, frozenset({"center-x"}))
    assert staff.reaches_center("center-x")
    assert not staff.reaches_center("center-y")
    assert Actor(2, Role.ADMIN).reaches_center("center-y")
    assert not Actor(3, Role.PROVIDER).reaches_center("center-x")


def test_providers_own_only_their_records():
    assert Actor(7, Role.PROVIDER).owns(7)
    assert not Actor(7, Role.PROVIDER).owns(8)
    assert Actor(1, Role.ADMIN).owns(8)
