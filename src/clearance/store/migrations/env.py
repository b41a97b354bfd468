"""Alembic environment: runs against the engine the store hands over."""

from alembic import context
from sqlalchemy import Engine

from clearance.store._engine import writing
from clearance.store._schema import Base

engine: Engine = context.config.attributes["engine"]
with writing(engine).begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
    )
    context.run_migrations()
