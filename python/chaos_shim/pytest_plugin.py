"""pytest plugin of chaos_shim: the `chaos` fixture, the marker
`@pytest.mark.chaos(profile=..., seed=...)` and the options
--chaos-profile and --chaos-scope.

The code under test runs under the shim in the processes the test starts:
while a test that uses `chaos` runs, os.environ holds LD_PRELOAD (the
preload library first) and CHAOS_SHIM_SEGMENT, so subprocess, multiprocessing
with spawn, and servers started by fixtures that depend on `chaos` attach
to the test's segment. The pytest process itself stays outside the shim.
"""
import os

import pytest

from .segment import Segment


def pytest_addoption(parser):
    group = parser.getgroup("chaos", "chaos-shim fault injection")
    group.addoption("--chaos-profile", default=None, metavar="PROFILE",
                    help="profile loaded into every test's segment "
                         "(a test's chaos marker overrides it)")
    group.addoption("--chaos-scope", default=None,
                    choices=("function", "session"),
                    help="a fresh segment per test (function, the default) "
                         "or one for the whole session")
    parser.addini("chaos_scope", "default of --chaos-scope", default="function")
    parser.addini("chaos_profile", "default of --chaos-profile", default="")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "chaos(profile=None, seed=None): the profile the test's chaos "
        "segment starts with, and its seed")


def _setting(config, name):
    return config.getoption(f"--chaos-{name}") or config.getini(f"chaos_{name}") or None


def _scope(fixture_name, config):
    return _setting(config, "scope") or "function"


@pytest.fixture(scope=_scope)
def _chaos_segment():
    with Segment() as segment:
        yield segment


@pytest.fixture
def chaos(request, _chaos_segment, monkeypatch):
    """The test's control segment (chaos_shim.Segment), loaded with the
    marker's profile, else --chaos-profile, else empty; the processes the
    test starts run under the shim attached to it."""
    marker = request.node.get_closest_marker("chaos")
    options = dict(marker.kwargs) if marker else {}
    profile = options.get("profile") or _setting(request.config, "profile")
    # Every test starts from its profile, also on a session segment.
    _chaos_segment.load(profile, seed=options.get("seed"))
    for key, value in _chaos_segment.env().items():
        if os.environ.get(key) != value:
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("CHAOS_SHIM_SEGMENT_ID", raising=False)
    monkeypatch.delenv("CHAOS_SHIM_PROFILE", raising=False)
    return _chaos_segment
