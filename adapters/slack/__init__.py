"""The Slack channel: Block Kit lessons and quizzes in the app's DM, the App Home progress
view, the `/bites` slash command, multi-workspace OAuth installs and proactive sends.

`convert` is pure (Block Kit ⇄ neutral messages); `adapter` wires slack-bolt's AsyncApp onto
the FastAPI host (or Socket Mode) from `bolt_app`, `listeners`, `replies`, `home` and
`uninstalls`; `installations` seals workspace tokens and keeps them through the bot's ports
(storage implements them); `sender` sends the scheduler's deliveries; `factory` builds the
channel and the sender from the settings and the data ports. Only this package imports the
Slack SDKs, and it imports nothing of storage.
"""
