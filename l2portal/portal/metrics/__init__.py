"""/metrics for Prometheus: Django's request figures (django-prometheus's middleware) and the
portal's own, read from the database at every scrape by one collector (work by app and state, the
outbox, executions and step durations, what the apps declare as PortalApp.metrics), open to a
bearer token or to allowed networks only (conf)."""
