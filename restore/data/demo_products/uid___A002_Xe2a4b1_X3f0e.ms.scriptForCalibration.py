# demo: a manual calibration script (never run here)
