"""Pure domain code of the Fermi ISOC processing: magic7, FT2 (templates, bins, definitions,
quality), bad time intervals, livetime, raw chunks, RetDef, event files and their merge. numpy,
astropy and lxml only: no Django, no ledger (a contract says so)."""
