"""Synchronous WebSocket client (see ../__init__.py)."""
