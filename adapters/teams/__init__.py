"""The Microsoft Teams channel: personal chats with Adaptive Cards, proactive sends and the
app package a council's Teams admin uploads.

`convert.py` turns Teams activities into neutral messages and replies into activities and
cards (pure); `adapter.py` mounts the Microsoft Teams SDK on the FastAPI host at
/api/messages; `sender.py` sends proactive messages; `manifest.py` builds the app package.
The Teams SDK is imported only inside this folder.
"""
