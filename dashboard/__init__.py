"""The web dashboard for managers and admins: server-rendered pages (FastAPI + Jinja2).

Sign-in is by one-time link from chat (`/dashboard`); every page is scoped by the signed-in
person's council and roles through `bot.access`. `app.host` mounts `routes.dashboard_router`.
"""
