"""Who may do what behind the entrance (the decision nginx asks for), and login throttling: pure rules, no service."""

import pytest

from kraken_core.record.accounts import Account
from kraken_ui_ext.companion.access import decide
from kraken_ui_ext.companion.throttle import LoginThrottle


def account(role: str, disabled: bool = False) -> Account:
    return Account(f"a-{role}", role, disabled, 1, "")


VIEWER, OPERATOR, ADMIN = account("viewer"), account("operator"), account("admin")


@pytest.mark.parametrize("path", ["/", "/graphql", "/runs", "/companion/overview", "/companion/overview.csv",
                                  "/companion/trends", "/companion/", "/companion/auth"])
def test_without_a_session_nothing_but_the_login_page_is_open(path):
    assert decide(path, "GET", None, None).status == 401
    assert decide(path, "POST", None, None).status == 401


@pytest.mark.parametrize("path", ["/companion/login", "/companion/static/companion.css", "/companion/healthz"])
def test_the_login_page_and_what_it_needs_are_open(path):
    assert decide(path, "GET", None, None).status == 200


def test_viewers_get_the_read_only_dagster_ui_operators_and_admins_the_full_one():
    assert decide("/graphql", "POST", VIEWER, None).upstream == "read_only"
    assert decide("/graphql", "POST", OPERATOR, None).upstream == "full"
    assert decide("/", "GET", ADMIN, None).upstream == "full"


@pytest.mark.parametrize(("path", "needed"), [("/companion/projects/new", "admin"), ("/companion/settings/new", "admin"),
                                              ("/companion/settings/s-v1/archive", "admin"),
                                              ("/companion/assignments/x/delete", "admin"),
                                              ("/companion/requantify", "operator"),
                                              ("/companion/something-new", "admin")])
def test_companion_writes_need_their_role(path, needed):
    roles = ("viewer", "operator", "admin")
    for role in roles:
        allowed = roles.index(role) >= roles.index(needed)
        assert decide(path, "POST", account(role), None).status == (200 if allowed else 403), (path, role)
    assert decide(path, "GET", VIEWER, None).status == 200  # reading the page is a viewer's


def test_a_disabled_account_may_do_nothing():
    disabled = account("admin", disabled=True)
    assert decide("/companion/projects/new", "POST", disabled, None).status == 401
    assert decide("/graphql", "POST", disabled, None).status == 401
    assert decide("/mcp", "POST", None, disabled).status == 401


def test_mcp_needs_a_token_and_a_session_cookie_is_not_one():
    assert decide("/mcp", "POST", None, None).status == 401
    assert decide("/mcp", "POST", ADMIN, None).status == 401
    assert decide("/mcp", "POST", None, VIEWER).status == 200
    assert decide("/mcp/", "GET", None, VIEWER).status == 200


def test_prefix_look_alikes_are_not_the_companion_or_mcp():
    assert decide("/companionx/login", "GET", None, None).status == 401
    assert decide("/mcpx", "POST", None, VIEWER).status == 401


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_wrong_passwords_lock_the_account_for_the_window_from_every_address():
    clock = Clock()
    throttle = LoginThrottle(max_per_account=5, max_per_address=20, window_s=900, clock=clock)
    for i in range(5):
        assert throttle.retry_after("ana", f"10.0.0.{i}") == 0
        throttle.failed("ana", f"10.0.0.{i}")
    assert throttle.retry_after("ana", "10.9.9.9") == 901
    assert throttle.retry_after("ben", "10.9.9.9") == 0  # other accounts are not locked out
    clock.now += 899
    assert throttle.retry_after("ana", "10.9.9.9") == 2
    clock.now += 2
    assert throttle.retry_after("ana", "10.9.9.9") == 0


def test_one_address_guessing_many_accounts_is_stopped():
    throttle = LoginThrottle(max_per_account=5, max_per_address=20, window_s=900, clock=Clock())
    for i in range(20):
        throttle.failed(f"user{i}", "10.0.0.66")
    assert throttle.retry_after("someone-else", "10.0.0.66") > 0
    assert throttle.retry_after("someone-else", "10.0.0.67") == 0


def test_a_successful_login_clears_the_account_but_not_the_address():
    throttle = LoginThrottle(max_per_account=2, max_per_address=3, window_s=900, clock=Clock())
    throttle.failed("ana", "10.0.0.1")
    throttle.failed("ana", "10.0.0.1")
    throttle.succeeded("ana")
    assert throttle.retry_after("ana", "10.0.0.2") == 0
    throttle.failed("ana", "10.0.0.1")
    assert throttle.retry_after("ana", "10.0.0.1") > 0  # the address has three failures
