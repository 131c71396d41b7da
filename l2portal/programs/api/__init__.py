"""API of observing programs, their datasets, scans and qualification rules."""
