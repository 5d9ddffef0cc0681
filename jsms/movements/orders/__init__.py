"""Movement orders: what each need-to-know recipient receives, and who leaked a copy.

- :mod:`.render`: one movement's order for one recipient, as text, HTML or PDF.
- :mod:`.issuing`: who gets a copy, the snapshot recorded with each copy.
- :mod:`.watermark`: per-recipient wording (pure), and scoring a leaked text against copies.
- :mod:`.leak_trace`: "who leaked this": read a leaked file, rank the issued copies.
- :mod:`.leak_simulation`: synthetic orders and simulated leaks for tests, the benchmark and
  drills.
"""
