"""Platform adapters. Each converts platform payloads to the bot's neutral messages and
back (`convert.py`, pure) and owns its transport (`adapter.py`). Platform SDKs are
imported only inside their own adapter folder.
"""
