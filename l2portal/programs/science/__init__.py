"""Pure domain code of DKIST Level 2: metadata, qualification, frames, inversions, ASDF, Globus
transfer documents. numpy, astropy, asdf and lxml only: no Django, no ledger (a contract says so)."""
