"""Plumbing that knows nothing of QuickBooks or pages: settings, errors, database, leases, login, logging,
failpoints, the scheduler and the daily snapshot."""
