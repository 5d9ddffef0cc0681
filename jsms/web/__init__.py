"""Server-rendered operations UI."""
