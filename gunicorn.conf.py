"""How `make run` serves the app; the benchmarks serve it the same way.

Threaded workers (gthread) keep browser connections alive. Two threads per worker, one worker per
core: on the 2-core machine, benchmarks/bench_web.py measured the review page at 20 concurrent users
with p95 75-82 ms at 2 x 2, 71-108 ms at 3 x 2 and 127-145 ms at 2 x 4 (more threads than that
in one process mostly wait for the interpreter lock). Override with WEB_CONCURRENCY (workers) and
REVIEW_THREADS, or any gunicorn flag on the command line.
"""
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
threads = int(os.environ.get("REVIEW_THREADS") or 2)
worker_class = "gthread"
timeout = 60
accesslog = "-"
