"""Movement orders: what each need-to-know recipient receives, and who leaked a copy.

- :mod:`.content`: the facts an order conveys, and the snapshot kept with each issued copy.
- :mod:`.wording`: the order's text, with equivalent phrasings left open as watermark slots.
- :mod:`.render`: one recipient's copy as text, HTML or PDF.
- :mod:`.issuing`: who gets a copy; each copy recorded with its snapshot.
- :mod:`.watermark`: per-recipient choices (pure), and scoring a leaked text against copies.
- :mod:`.leak_trace`: "who leaked this": read a leaked file, rank the issued copies.
- :mod:`.leak_simulation`: synthetic orders and simulated leaks for tests, the benchmark and
  drills.
"""
