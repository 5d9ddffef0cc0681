"""Protected persons, projects, sites, security units and deployment authorisations."""
