"""The terminal adapter behind `bites chat`."""
