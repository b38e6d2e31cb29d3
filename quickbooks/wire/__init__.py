"""The wire: the only code that speaks HTTP or OAuth to Intuit (REST client, OAuth, encrypted tokens, the CLI's
callback server)."""
