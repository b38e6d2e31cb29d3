"""Loopback stand-ins for the outside services (Google Sheets API v4, QuickBooks Online).

Each emulator is a WSGI app that real client libraries talk to unchanged, except for the base address.
They bind to 127.0.0.1 only and are used by the tests, the benchmarks and the demo mode.
"""
