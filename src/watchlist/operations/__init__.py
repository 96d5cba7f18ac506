"""Running the service unattended: scheduled updates under one store-wide lock, how stale
each list is, structured logs (the metrics are in `watchlist.metrics`, the notifications
in `watchlist.webhooks`)."""
