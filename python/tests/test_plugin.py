"""The plugin's options, run in a pytest of their own: --chaos-profile
loads a profile into every test's segment, --chaos-scope picks a fresh
segment per test or one for the session, and the processes a test starts
get the shim while the test runs, not after."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))

NAMES = """
import os

def test_one(chaos):
    print("segment", chaos.name, os.environ["CHAOS_SHIM_SEGMENT"])
    print("rules", sorted(chaos.stats()))
    chaos.add(name="extra", calls=["recv"], fault="reset")

def test_two(chaos):
    print("segment", chaos.name, os.environ["CHAOS_SHIM_SEGMENT"])
    print("rules", sorted(chaos.stats()))

def test_three_without_chaos():
    print("preload", "CHAOS_SHIM_SEGMENT" in os.environ)
"""


def outputs(result, key):
    """The words after KEY on the lines the tests printed (pytest may put
    a file name before them)."""
    found = [re.search(rf"\b{key} (.*)$", line) for line in result.outlines]
    return [m.group(1).split() for m in found if m]


def test_profile_option_and_function_scope(pytester):
    pytester.makepyfile(test_names=NAMES)
    result = pytester.runpytest_subprocess(
        "-s", "--chaos-profile", os.path.join(HERE, "unreachable.cfg"))
    result.assert_outcomes(passed=3)
    (one, env_one), (two, env_two) = outputs(result, "segment")
    assert one == env_one and two == env_two and one != two
    # Each test starts from the profile: test_one's addition is gone.
    assert outputs(result, "rules") == [["['unreachable']"], ["['unreachable']"]]
    assert outputs(result, "preload") == [["False"]]


def test_session_scope_keeps_one_segment(pytester):
    pytester.makepyfile(test_names=NAMES)
    result = pytester.runpytest_subprocess("-s", "--chaos-scope", "session")
    result.assert_outcomes(passed=3)
    (one, _), (two, _) = outputs(result, "segment")
    assert one == two
    assert outputs(result, "rules") == [["[]"], ["[]"]]
