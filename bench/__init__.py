"""``make bench``: cold start, warm latency, overhead, memory, calls and size, measured on this machine.

Everything runs against dynalite on 127.0.0.1; see docs/PERFORMANCE.md for the method.
"""
