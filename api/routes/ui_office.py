"""(web pages, being built)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["web pages"], include_in_schema=False)
