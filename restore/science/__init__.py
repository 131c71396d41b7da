"""Pure domain code of ALMA restores: archive queries, NGAS, layout, OUSStatus sessions, the
pipeline manifest, PPRs and restore scripts, runs of the pipeline. lxml and the standard library
only: no Django, no ledger (a contract says so)."""
