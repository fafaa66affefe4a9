"""A real python http.server under the shim, driven through urllib and
requests: what the client sees under a rule, against the real condition,
and the rule's counters."""
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from chaos_shim import ChaosShimError

HERE = os.path.dirname(os.path.abspath(__file__))


def fetch(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def error_of(call, *args, **kwargs):
    """What the client saw, whatever it is; urllib wraps an error of
    sending the request (a reset that came first) in URLError."""
    try:
        call(*args, **kwargs)
    except urllib.error.URLError as exc:
        return exc.reason
    except Exception as exc:
        return exc
    raise AssertionError(f"{call.__name__}{args}: expected an error, it succeeded")


def test_reset_for_a_block_then_normal_again(chaos, http_server, misbehaving):
    url, port = http_server
    assert fetch(url)[0] == 200
    real = error_of(fetch, misbehaving("reset").url)
    with chaos.fault(calls=["recv"], local=f"*:{port}", fault="reset") as rule:
        seen = error_of(fetch, url)
        assert type(seen) is type(real), f"injected {seen!r}, real {real!r}"
        assert isinstance(seen, ConnectionError)
        stats = chaos.stats(rule)
        assert stats.matched >= 1 and stats.injected >= 1
    assert rule not in chaos.stats()
    assert fetch(url) == fetch(url)  # served again, the same page twice


def test_fault_is_removed_when_the_block_raises(chaos, http_server):
    url, port = http_server
    with pytest.raises(RuntimeError):
        with chaos.fault('{ name = "boom"; calls = ["recv"]; local = "*:%d"; '
                         'fault = "reset"; }' % port) as rule:
            assert rule == "boom"
            assert "boom" in chaos.stats()
            raise RuntimeError("the test body failed")
    assert chaos.stats() == {}
    assert fetch(url)[0] == 200


def test_requests_sees_a_slow_server_as_a_real_one(chaos, http_server, misbehaving):
    requests = pytest.importorskip("requests", reason="python3-requests is not installed")
    url, port = http_server
    assert requests.get(url, timeout=5).status_code == 200
    slow = misbehaving("late", delay=3.0)
    real = error_of(requests.get, slow.url, timeout=0.5)
    chaos.add(name="slow-server", calls=["send"], local=f"*:{port}",
              fault="latency", delay_ms=3000)
    seen = error_of(requests.get, url, timeout=0.5)
    assert type(seen) is type(real) is requests.exceptions.ReadTimeout
    assert chaos.stats("slow-server").injected >= 1
    chaos.set("slow-server", delay_ms=0)
    assert requests.get(url, timeout=5).status_code == 200


def test_errors_carry_the_cli_message(chaos):
    chaos.add(name="db-down", calls=["connect"], peer="*:5432", fault="reset")
    with pytest.raises(ChaosShimError) as info:
        chaos.add(name="db-down", calls=["connect"], fault="reset")
    assert info.value.code == "exists"
    assert str(info.value) == f"rule 'db-down' already exists in segment '{chaos.name}'"
    with pytest.raises(ChaosShimError) as info:
        chaos.add('{ name = "slow"; calls = ["connect"]; fault = "latency"; dealy_ms = 5; }')
    assert (info.value.code, str(info.value)) == (
        "profile", "unknown key 'dealy_ms' in rule 'slow' (add:1)")
    with pytest.raises(ChaosShimError) as info:
        chaos.remove("db-down", "nope")
    assert info.value.code == "no_rule"
    assert list(chaos.stats()) == ["db-down"]  # all or nothing


@pytest.mark.chaos(profile=os.path.join(HERE, "unreachable.cfg"), seed=7)
def test_marker_profile_reaches_subprocesses(chaos):
    client = [sys.executable, "-c",
              "import socket\n"
              "try:\n socket.create_connection(('127.0.0.1', 1), timeout=5)\n"
              "except OSError as e: print(e.errno)"]
    env = dict(os.environ)
    for key in ("LD_PRELOAD", "CHAOS_SHIM_SEGMENT"):
        env.pop(key)
    real = subprocess.run(client, env=env, capture_output=True, text=True).stdout
    seen = subprocess.run(client, capture_output=True, text=True).stdout
    assert (real.strip(), seen.strip()) == ("111", "101")  # ECONNREFUSED, ENETUNREACH
    assert chaos.stats("unreachable").injected == 1
    assert chaos.status()["seed"] == 7
