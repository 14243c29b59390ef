"""How `make run` serves the app; the benchmarks serve it the same way.

Threaded workers (gthread) keep browser connections alive, and a thread waiting for an upload's
parse process lets the others run. ``reuse_port`` gives each worker its own listening socket, so
the kernel spreads new connections over the workers: with one shared socket, whichever worker
wakes first accepts a burst of keep-alive connections and keeps them. On the 2-core machine,
benchmarks/bench_web.py (20 concurrent users on the review page) then saw one worker serve 1,442
requests and the other 14, and half the throughput; with reuse_port the split stayed even and
p95 stayed at 67-102 ms over ten runs (2 or 4 threads alike).

Override with WEB_CONCURRENCY (workers), REVIEW_THREADS, or any gunicorn flag on the command line.
"""
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
threads = int(os.environ.get("REVIEW_THREADS") or 4)
worker_class = "gthread"
reuse_port = True
timeout = 60
accesslog = "-"


def post_worker_init(worker):
    """Once the worker has loaded the app: its start-up objects (modules, the app, the rubric and
    catalogue) are moved out of the collector's reach (gc.freeze), and the youngest generation is
    collected less often. A full collection over the ~200,000 start-up objects took 200 ms in the
    middle of a request; on the loaded instance the board went from 31 to 25 ms in-process.
    REVIEW_GC_THRESHOLD sets the youngest generation's threshold (700 is CPython's default); a value
    that is not a positive number keeps 10,000 (0 would turn automatic collection off)."""
    import gc

    raw = os.environ.get("REVIEW_GC_THRESHOLD", "")
    threshold = int(raw) if raw.strip().isdigit() and int(raw) > 0 else 10_000
    gc.collect()
    gc.freeze()
    gc.set_threshold(threshold, 10, 10)


def when_ready(server):
    # With reuse_port the workers open the sockets, so gunicorn's own "Listening at" line is empty.
    server.log.info("Serving on %s", ", ".join(f"http://{address}" for address in server.cfg.bind))
