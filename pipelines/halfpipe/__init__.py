"""HalfPipe: downlinks split into chunks, decoded in parallel, their events merged into versions of
each data run, each version taken through Level 1; the magic7 telemetry of the runs."""
