"""Persistence: SQLModel tables, Alembic migrations, and the store behind the bot's ports.

SQLite (WAL) by default; PostgreSQL (psycopg 3) when DATABASE_URL names one.
"""
