"""Shared mode's access gate: the team-password login page (see issue 5)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
