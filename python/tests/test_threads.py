"""One Segment used by several threads at once (ctypes lets go of the GIL
during each library call): every add, remove and stats of every thread
takes effect, and no result of one thread lands in another's."""
import threading


def test_threads_share_a_segment(chaos):
    errors, rounds, nthreads = [], 40, 6

    def work(n):
        try:
            for i in range(rounds):
                with chaos.fault(name=f"t{n}-{i}", calls=["recv"],
                                 local=f"*:{1000 + n}", fault="reset") as rule:
                    stats = chaos.stats(rule)
                    assert (stats.matched, stats.injected) == (0, 0)
                    assert chaos.status()["rules"]  # at least this one
        except Exception as exc:  # reported below, with the thread's number
            errors.append((n, repr(exc)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(nthreads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert chaos.stats() == {}
    assert chaos.status()["generation"] >= 2 * rounds * nthreads
