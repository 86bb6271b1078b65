"""Exchange connectors built on the framework."""
