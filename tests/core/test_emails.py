"""One e-mail address per value: the fast check never accepts what email-validator refuses."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from patron.core.emails import check_email, is_plain_email
from patron.exceptions import InputError

ALPHABET = "aZ09._%+-@.-\r\n ,;<>\"'()[]:é中"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=40).map(lambda s: s + "@x.example"))
def test_the_fast_check_is_never_looser(value) -> None:
    if is_plain_email(value):
        validate_email(value, check_deliverability=False)  # raises if it is looser


@pytest.mark.parametrize(
    "value",
    ["a..b@x.com", ".a@x.com", "a.@x.com", "a@-x.com", "a@x.test", "a@x.TEST", "a@x.Local"],
)
def test_edge_addresses_are_refused_by_both(value) -> None:
    assert not is_plain_email(value)
    with pytest.raises(EmailNotValidError):
        validate_email(value, check_deliverability=False)
    with pytest.raises(InputError, match="is not one e-mail address"):
        check_email(value)


def test_normalised_form() -> None:
    assert check_email("  Li.Na+vip@Example.COM ") == "li.na+vip@example.com"
    assert check_email("张三@例子.中国") == "张三@例子.中国"
