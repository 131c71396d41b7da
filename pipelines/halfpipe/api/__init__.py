"""HalfPipe's API: downlinks, chunks and data runs, one module per resource."""
