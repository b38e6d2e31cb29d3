"""QuickBooks Online: settings, OAuth and the encrypted token store, the REST client (and, later, the sync)."""
