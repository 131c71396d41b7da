"""FT2 reprocessing campaigns: the FT2 files of ranges of data runs made again (carried forward or
generated from magic7), flagged with their BTI sets, validated, delivered to the FSSC, and the
switchover of the FSSC to them."""
