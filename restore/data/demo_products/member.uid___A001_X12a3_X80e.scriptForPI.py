# demo stand-in for the scriptForPI delivered with every MOUS
