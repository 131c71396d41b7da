"""Pure domain code of DKIST Level 2: metadata, qualification, frames, inversions, ASDF, Globus
transfer documents. numpy, astropy, asdf, lxml and (for the ASDF file) the DKIST user tools with
gwcs and sunpy: no Django, no ledger (a contract says so)."""
