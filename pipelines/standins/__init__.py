"""Stand-ins of the other side: a LAT downlink simulator writing raw chunks and RetDef files, for
tests, the demo and `make run`. Production code never imports them (a contract says so)."""
