# demo stand-in for the scriptForPI
