"""What every layer shares: settings, the request's deadline, preconditions, logs, metrics and traces."""
