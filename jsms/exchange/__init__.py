"""Information exchange with partner instances: agreements, STIX 2.1, TAXII 2.1."""
