"""Rate-limit storage: the in-memory counters survive many request threads at once."""

from __future__ import annotations

import threading

from limits.storage import storage_from_string

from service.limits import ThreadSafeMemoryStorage, storage_uri


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
