"""The REST API, ``/api/v1``: thin routers over the services."""

from fastapi import APIRouter

from clearance.web.api import _governance, _records, _redteam, _runs

router = APIRouter(prefix="/api/v1")
router.include_router(_runs.router)
router.include_router(_runs.jobs_router)
router.include_router(_governance.router)
router.include_router(_records.router)
router.include_router(_redteam.router)

__all__ = ["router"]
