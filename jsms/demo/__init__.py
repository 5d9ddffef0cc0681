"""The demo scenario: agencies, CPEC sites, people, units and authorisations."""
