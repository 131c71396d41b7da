"""The restore API: request by MOUS uid, read the answer, plan, PPR, log and outputs, cancel."""
