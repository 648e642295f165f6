"""101 callback: keep your place in the queue without staying on the line."""
