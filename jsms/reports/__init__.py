"""Reports: the daily situation report (SITREP) as HTML and PDF, with charts and a map."""
