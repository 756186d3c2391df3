"""The local web chat: an accessible page at /chat talking to the bot over HTTP."""
