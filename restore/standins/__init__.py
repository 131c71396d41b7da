"""Stand-ins of the other side for tests, the demo and `make run`: an NGAS server, CASA with the
ALMA pipeline, asdmExportLight and a restore script runner. They read and fail like the originals.
Production code never imports them (a contract says so)."""
