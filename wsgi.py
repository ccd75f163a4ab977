"""The production entry point (``make serve``): refuses to serve an invalid library."""

from app import create_app
from curriculum.topics import ensure_valid

app = create_app()
ensure_valid(app)
