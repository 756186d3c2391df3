"""The security headers every HTML page of ours carries (web chat and dashboard)."""

from __future__ import annotations


def strict_page_headers() -> dict[str, str]:
    """A strict Content-Security-Policy (our own scripts and styles only, no framing),
    no MIME sniffing, no referrer."""
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
