"""Storage: SQLAlchemy 2.0 tables, one session per request, Alembic migrations."""
