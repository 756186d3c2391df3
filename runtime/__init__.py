"""The scheduler's runtime: the ticker, the deliveries dispatcher with its leases, pacers
and outcome writer, and the metrics. It implements the bot's ports, as storage does; the
pure policy it runs (what to send, when) is in `scheduler`."""
