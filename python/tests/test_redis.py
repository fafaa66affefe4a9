"""A real redis-server under the shim, driven through redis-py: a reset on
the server's side of the connection reaches the client as a real one does,
and the client works again once the rule is gone."""
import shutil

import pytest

from conftest import free_port, start

redis = pytest.importorskip("redis", reason="python3-redis is not installed")
if not shutil.which("redis-server"):
    pytest.skip("redis-server is not installed", allow_module_level=True)


@pytest.fixture
def redis_port(chaos):
    port = free_port()
    proc = start(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                  "--save", "", "--appendonly", "no"], port)
    yield port
    proc.kill()
    proc.wait()


def test_reset_reaches_redis_py(chaos, redis_port, misbehaving):
    client = redis.Redis(port=redis_port, socket_timeout=5)
    assert client.set("key", "value") and client.get("key") == b"value"
    real = misbehaving("reset")
    with pytest.raises(redis.exceptions.ConnectionError) as real_error:
        redis.Redis(port=real.port, socket_timeout=5).get("key")
    with chaos.fault(calls=["recv"], local=f"*:{redis_port}", fault="reset") as rule:
        client = redis.Redis(port=redis_port, socket_timeout=5)
        with pytest.raises(redis.exceptions.ConnectionError) as seen:
            client.get("key")
        assert type(seen.value) is type(real_error.value)
        assert chaos.stats(rule).injected >= 1
    assert client.get("key") == b"value"


def test_count_limits_the_resets(chaos, redis_port):
    client = redis.Redis(port=redis_port, socket_timeout=5)
    # Answered after the server has read the end of the fixture's probe
    # connection, which would otherwise be the rule's first match.
    assert client.ping() is True
    chaos.add(name="once", calls=["recv"], local=f"*:{redis_port}",
              fault="reset", count=1)
    with pytest.raises(redis.exceptions.ConnectionError):
        client.ping()
    assert client.ping() is True  # reconnected; the rule is spent
    stats = chaos.stats("once")
    assert stats.injected == 1 and stats.matched >= 2
