"""The composition root: settings, wiring, the FastAPI host and the `bites` CLI.

Only this package imports every other package.
"""
