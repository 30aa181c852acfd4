"""Rate-limit storage: the in-memory counters survive many request threads at once."""

from __future__ import annotations

import threading
import time

from limits.storage import storage_from_string

from service.web.limits import ThreadSafeMemoryStorage, storage_uri


def test_memory_setting_uses_the_thread_safe_storage_and_redis_is_kept():
    assert isinstance(storage_from_string(storage_uri("memory://")), ThreadSafeMemoryStorage)
    assert storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_counters_from_many_threads_count_every_hit_without_error():
    storage = ThreadSafeMemoryStorage()
    errors: list[BaseException] = []
    start = threading.Barrier(32)

    def hit() -> None:
        start.wait()
        for _ in range(200):
            try:
                storage.incr("client", expiry=60)
            except BaseException as error:  # noqa: BLE001 - any error is the failure under test
                errors.append(error)

    threads = [threading.Thread(target=hit) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert storage.get("client") == 32 * 200


def test_expired_counters_are_dropped_without_starting_a_thread_per_hit():
    storage = ThreadSafeMemoryStorage()
    storage.expiry_interval = 0.0  # sweep on every hit, so the test need not wait a second
    storage.timer.join()  # the parent's one start-up timer
    threads_before = threading.active_count()
    for i in range(200):
        storage.incr(f"client-{i}", expiry=0.01)
        assert threading.active_count() == threads_before
    time.sleep(0.05)
    storage.incr("late-client", expiry=60)
    assert set(storage.storage) == {"late-client"}
    assert storage.get("client-0") == 0


def test_expired_counters_are_not_counted_between_sweeps():
    storage = ThreadSafeMemoryStorage()
    storage.expiry_interval = 3600.0  # no sweep during the test: reads must check the expiry themselves
    storage.incr("client", expiry=0.01)
    storage.incr("client", expiry=0.01)
    assert storage.get("client") == 2
    time.sleep(0.05)
    assert storage.get("client") == 0
    assert storage.incr("client", expiry=60) == 1


def test_redis_storage_shares_limits_between_workers(config):
    """Two app instances (as two gunicorn workers) on the same Redis count one client's sign-ins together."""
    import uuid
    from dataclasses import replace

    import pytest
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {url}: {error}")
    from service import create_app

    shared = replace(config, limits=replace(config.limits, storage_uri=url, sign_in="4 per minute"))
    # A client address of its own per run, so counts left in Redis by an earlier run do not count.
    address = f"test-client-{uuid.uuid4().hex}"
    apps = [create_app(shared), create_app(shared)]
    statuses = []
    for app in apps:
        app.config.update(WTF_CSRF_ENABLED=False, TESTING=True)
    try:
        for i in range(6):
            client = apps[i % 2].test_client()
            response = client.post("/sign-in", data={"email": "x@council.example", "password": "wrong"},
                                   environ_base={"REMOTE_ADDR": address})
            statuses.append(response.status_code)
    finally:
        for app in apps:
            app.extensions["voice_engine"].dispose()
    assert statuses[:4] == [401, 401, 401, 401]
    assert statuses[4:] == [429, 429]
