"""Timing, peak RSS and the JSON result line shared by every baseline.

A baseline file defines one function per workload. Called once (untimed), the
function sets up its inputs and returns the one-iteration function, which this
module times. The file ends with:

    if __name__ == "__main__":
        benchlib.main(globals())

and the harness runs it as
    /usr/bin/python3 bench/baselines/<file>.py <function> --warmup W --iters N
with SMIT_NUM_THREADS (intra-op threads, applied to torch here) and the
threading environment of our side (OMP_WAIT_POLICY) in its environment.
It prints one JSON line: {"ms", "samples", "cpu_ms", "rss_mb", "loaded_rss_mb", "threads", "cpu_s", "env"}
(ms: median wall time of one iteration; cpu_ms: median CPU time of one iteration,
all threads; rss_mb: peak RSS; cpu_s: CPU seconds of the whole process).
"""
import json
import os
import resource
import statistics
import sys
import time


def _option(args, name, default):
    if name in args:
        return int(args[args.index(name) + 1])
    return default


def _mapped_blas():
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "libopenblas" in path or "libblas" in path:
                    return path
    except OSError:
        pass
    return None


def main(namespace):
    args = sys.argv[1:]
    if not args or args[0] not in namespace or not callable(namespace[args[0]]):
        sys.exit(f"usage: {sys.argv[0]} <function> [--warmup N] [--iters N]; functions: "
                 + ", ".join(k for k, v in namespace.items() if callable(v) and not k.startswith("_")))
    warmup = _option(args, "--warmup", 3)
    iterations = _option(args, "--iters", 10)

    threads = int(os.environ.get("SMIT_NUM_THREADS", "0")) or None
    torch = sys.modules.get("torch")
    if torch is not None:
        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(0)
        threads = torch.get_num_threads()

    loaded_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run = namespace[args[0]]()
    for _ in range(warmup):
        run()
    samples, cpu = [], []
    for _ in range(iterations):
        c0 = time.process_time()
        t0 = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)

    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "ms": statistics.median(samples),
        "samples": samples,
        "cpu_ms": statistics.median(cpu),
        "rss_mb": usage.ru_maxrss / 1024,  # Linux: KiB
        "loaded_rss_mb": loaded_rss_mb,
        "threads": threads or 1,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "env": {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"), "blas": _mapped_blas()},
    }), flush=True)
