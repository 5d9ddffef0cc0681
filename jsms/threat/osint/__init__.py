"""OSINT news: rule-based extraction of the attacks an article reports, and their ingest.

``extract.extract_article`` turns one article into incident records with verbatim evidence
(reading sentences in ``mentions``, grouping them in ``events``, building records in
``records``); ``ingest.ingest`` stores them, linking a report of a known event as a further
source (``dedupe``) and sending doubtful ones to the analyst review queue.
"""
