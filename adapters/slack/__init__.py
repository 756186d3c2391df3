"""The Slack channel: Block Kit lessons and quizzes in the app's DM, the App Home progress
view, the `/bites` slash command, multi-workspace OAuth installs and proactive sends.

`convert` is pure (Block Kit ⇄ neutral messages); `adapter` wires slack-bolt's AsyncApp onto
the FastAPI host (or Socket Mode); `installations` keeps workspace tokens in our database;
`sender` sends the scheduler's deliveries. Only this package imports the Slack SDKs.
"""
