"""RoleFit's benchmarks: matcher scaling, HTTP latency and throughput, start-up and memory.

`python -m bench` (what `make bench` runs) runs them all and writes docs/benchmarks.md;
`python -m bench --quick` runs them at tiny sizes in seconds (tests/test_bench_smoke.py).
No benchmark asserts a timing: each fails only when its own run broke.
"""
