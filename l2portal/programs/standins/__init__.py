"""Stand-ins of the other side for tests, the demo and `make run`: the DKIST metadata store
(GraphQL), a Globus Transfer service and synthetic Level 1 datasets. Production code never imports
them (a contract says so)."""
