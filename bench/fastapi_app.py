"""The original's stack, for npm run bench: FastAPI on uvicorn (one worker), as the Kit
extension omni.services.livestream.session serves its four endpoints, with the readiness
rules, the all-optional pydantic request models and the answers of the original.

    /usr/bin/python3 bench/fastapi_app.py <port> [<host>]

Run with Debian's python3-fastapi and python3-uvicorn (scripts/ensure-system-tools.sh bench
installs them). Like the service under `--simulate` with quitOnSessionEnded=false, it starts
with app-ready and first-frame seen and does not quit when a session ends. The readiness
answers carry the service's `reason` beside `statusMessage`, so that the three servers of the
bench answer /v1/streaming/ready with the same bytes. No access log, as the service logs no
probe.
"""

import sys
import time
from typing import List, Optional

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

QUIT_ON_SESSION_ENDED = False
RESUME_TIMEOUT_SECONDS = 30
WAIT_FOR_SESSION_READY_EVENT = False


class TurnDetails(BaseModel):
    username: Optional[str] = None
    password: Optional[str] = None
    uris: Optional[List[str]] = None
    relayProtocol: Optional[str] = None
    transportPolicy: Optional[str] = None
    relayLocation: Optional[str] = None


class StreamingCredentials(BaseModel):
    stunIp: Optional[str] = None
    stunPort: Optional[int] = None
    username: Optional[str] = None
    password: Optional[str] = None
    privateSharedPort: Optional[int] = None
    turnDetails: Optional[TurnDetails] = None


class EndSessionRequest(BaseModel):
    sessionId: Optional[str] = None
    gracefulShutdown: Optional[bool] = None


class CredentialsResponse(BaseModel):
    success: bool
    errorMessage: Optional[str] = None


class EndSessionResponse(BaseModel):
    sessionStatus: str


class SessionState:
    def __init__(self):
        self.app_ready = True
        self.rtx_ready = True
        self.session_ready_received = False
        self.client_connected = False
        self.session_ended = False
        self.resume_started_at: Optional[float] = None
        self.credentials: Optional[StreamingCredentials] = None

    def end_session(self):
        self.resume_started_at = None
        self.session_ready_received = False
        self.session_ended = True
        dispatch("omni.services.livestream.session.ended", {})


state = SessionState()
observers = {}


def dispatch(event_name, payload):
    for observer in observers.get(event_name, []):
        observer(payload)


def readiness():
    if not state.app_ready:
        return 503, "Status: App not ready", "APP_NOT_READY"
    if not state.rtx_ready:
        return 503, "Status: Rtx not ready", "RTX_NOT_READY"
    if WAIT_FOR_SESSION_READY_EVENT and not state.session_ready_received:
        return 503, "Status: Session ready event not received", "SESSION_READY_EVENT_NOT_RECEIVED"
    if state.session_ended and state.client_connected and not QUIT_ON_SESSION_ENDED:
        return 503, "Status: Waiting for previous client to disconnect", "WAITING_FOR_PREVIOUS_CLIENT"
    if state.session_ended and QUIT_ON_SESSION_ENDED:
        return 503, "Status: Streaming session ended (recycle instance)", "SESSION_ENDED"
    if state.resume_started_at is not None:
        return 200, "Status: Awaiting session resume (keep alive)", "AWAITING_RESUME"
    if state.client_connected:
        return 200, "Status: Streaming session active (keep alive)", "SESSION_ACTIVE"
    return 200, "Status: Ready for connection", "READY_FOR_CONNECTION"


router = APIRouter()


@router.get("/ready")
async def ready():
    status, message, reason = readiness()
    return JSONResponse(status_code=status, content={"statusMessage": message, "reason": reason})


@router.get("/startup")
async def startup():
    return JSONResponse(status_code=200, content={"statusMessage": "Status: Startup endpoint OK"})


@router.post("/creds", response_model=CredentialsResponse)
async def set_credentials(credentials: StreamingCredentials):
    state.credentials = credentials
    dispatch("omni.services.livestream.session.stun_credentials", credentials.dict())
    return CredentialsResponse(success=True, errorMessage=None)


@router.post("/endsession", response_model=EndSessionResponse)
async def end_session(request: EndSessionRequest):
    if request.gracefulShutdown:
        state.end_session()
        return EndSessionResponse(sessionStatus="COMPLETE")
    if state.resume_started_at is not None:
        if time.monotonic() - state.resume_started_at >= RESUME_TIMEOUT_SECONDS:
            state.end_session()
            return EndSessionResponse(sessionStatus="COMPLETE")
        return EndSessionResponse(sessionStatus="AWAITING_RESUME")
    if RESUME_TIMEOUT_SECONDS > 0:
        state.resume_started_at = time.monotonic()
        return EndSessionResponse(sessionStatus="AWAITING_RESUME")
    state.end_session()
    return EndSessionResponse(sessionStatus="COMPLETE")


app = FastAPI()
app.include_router(router, prefix="/v1/streaming")

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8011
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    uvicorn.run(app, host=host, port=port, workers=1, log_level="warning", access_log=False)
