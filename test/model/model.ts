/**
 * A reference model of the session, written from BEHAVIOUR.md and the README alone. It
 * shares no code with src/core on purpose: the model-based tests compare the two, so a
 * misreading of the behaviour in one of them shows up as a difference.
 */

export interface ModelSettings {
  readonly quitOnSessionEnded: boolean;
  readonly resumeTimeoutSeconds: number;
  readonly waitForSessionReadyEvent: boolean;
  readonly endSessionOnResumeTimeout: boolean;
}

export type ListenedEvent =
  | 'omni.kit.app.GLOBAL_EVENT_APP_READY'
  | 'omni.usd.StageRenderingEventType.NEW_FRAME'
  | 'omni.services.livestream.session.ready'
  | 'omni.kit.livestream.client_connected:immediate'
  | 'omni.kit.livestream.client_disconnected:immediate';

export type EndCause = 'GRACEFUL_SHUTDOWN' | 'RESUME_TIMEOUT' | 'RESUME_DISABLED';

export type Dispatched =
  | { event: 'omni.services.livestream.session.ended'; payload: { sessionId: string | null; cause: EndCause } }
  | { event: 'omni.services.livestream.session.stun_credentials'; payload: unknown };

export interface ModelReadiness {
  httpStatus: 200 | 503;
  body: { statusMessage: string; reason: string; resumeSecondsLeft?: number };
}

export type SessionStatus = 'COMPLETE' | 'AWAITING_RESUME';

/** What the original's model reads as `gracefulShutdown: true`. */
const GRACEFUL = new Set<unknown>([true, 1, 'true', 'TRUE', 'True', 'Yes', 'yes', 't', 'y', 'on', '1']);

export class SessionModel {
  /** Milliseconds since start. */
  now = 0;
  appReady = false;
  firstFrame = false;
  sessionReadyEvent = false;
  clients = 0;
  /** Readiness row 4: a session ended (no quit) while a client was connected. */
  waitingForPreviousClient = false;
  /** When endsession opened the resume window; null while it is closed. */
  windowOpenedAt: number | null = null;
  /** A session ended and no new one has begun (by credentials or a client connecting). */
  ended = false;
  /** A session ended with quitOnSessionEnded: the service is on its way out. */
  quitting = false;
  quits = 0;
  lastSessionId: string | null = null;
  readonly dispatched: Dispatched[] = [];

  constructor(readonly settings: ModelSettings) {}

  get #timeoutMs(): number {
    return this.settings.resumeTimeoutSeconds * 1000;
  }

  event(name: ListenedEvent): void {
    switch (name) {
      case 'omni.kit.app.GLOBAL_EVENT_APP_READY':
        this.appReady = true;
        return;
      case 'omni.usd.StageRenderingEventType.NEW_FRAME':
        this.firstFrame = true;
        return;
      case 'omni.services.livestream.session.ready':
        this.sessionReadyEvent = true;
        return;
      case 'omni.kit.livestream.client_connected:immediate':
        this.clients += 1;
        this.windowOpenedAt = null; // resumed
        this.ended = false; // or a new session begins
        return;
      case 'omni.kit.livestream.client_disconnected:immediate':
        this.clients = Math.max(0, this.clients - 1);
        this.waitingForPreviousClient = false;
        return;
    }
  }

  credentials(dispatchedPayload: unknown): void {
    this.dispatched.push({ event: 'omni.services.livestream.session.stun_credentials', payload: dispatchedPayload });
    this.ended = false;
  }

  endSession(body: { sessionId?: string | null; gracefulShutdown?: boolean | number | string | null } | undefined): SessionStatus {
    if (typeof body?.sessionId === 'string') this.lastSessionId = body.sessionId;
    if (this.ended || this.quitting) return 'COMPLETE';
    if (GRACEFUL.has(body?.gracefulShutdown ?? false)) return this.#end('GRACEFUL_SHUTDOWN');
    if (this.windowOpenedAt !== null) {
      return this.now - this.windowOpenedAt >= this.#timeoutMs ? this.#end('RESUME_TIMEOUT') : 'AWAITING_RESUME';
    }
    if (this.settings.resumeTimeoutSeconds > 0) {
      this.windowOpenedAt = this.now;
      return 'AWAITING_RESUME';
    }
    return this.#end('RESUME_DISABLED');
  }

  advance(ms: number): void {
    const target = this.now + ms;
    if (this.settings.endSessionOnResumeTimeout && this.windowOpenedAt !== null && this.windowOpenedAt + this.#timeoutMs <= target) {
      this.now = this.windowOpenedAt + this.#timeoutMs;
      this.#end('RESUME_TIMEOUT');
    }
    this.now = target;
  }

  #end(cause: EndCause): 'COMPLETE' {
    this.windowOpenedAt = null;
    this.sessionReadyEvent = false;
    this.dispatched.push({ event: 'omni.services.livestream.session.ended', payload: { sessionId: this.lastSessionId, cause } });
    if (this.settings.quitOnSessionEnded) {
      this.quitting = true;
      this.quits += 1;
    } else {
      this.ended = true;
      this.waitingForPreviousClient = this.clients > 0;
    }
    return 'COMPLETE';
  }

  readiness(): ModelReadiness {
    const no = (statusMessage: string, reason: string): ModelReadiness => ({ httpStatus: 503, body: { statusMessage, reason } });
    const yes = (statusMessage: string, reason: string): ModelReadiness => ({ httpStatus: 200, body: { statusMessage, reason } });
    if (!this.appReady) return no('Status: App not ready', 'APP_NOT_READY');
    if (!this.firstFrame) return no('Status: Rtx not ready', 'RTX_NOT_READY');
    if (this.settings.waitForSessionReadyEvent && !this.sessionReadyEvent) {
      return no('Status: Session ready event not received', 'SESSION_READY_EVENT_NOT_RECEIVED');
    }
    if (this.waitingForPreviousClient) return no('Status: Waiting for previous client to disconnect', 'WAITING_FOR_PREVIOUS_CLIENT');
    if (this.quitting) return no('Status: Streaming session ended (recycle instance)', 'SESSION_ENDED');
    if (this.windowOpenedAt !== null) {
      const left = Math.max(0, Math.ceil((this.windowOpenedAt + this.#timeoutMs - this.now) / 1000));
      return {
        httpStatus: 200,
        body: { statusMessage: 'Status: Awaiting session resume (keep alive)', reason: 'AWAITING_RESUME', resumeSecondsLeft: left },
      };
    }
    if (this.clients > 0) return yes('Status: Streaming session active (keep alive)', 'SESSION_ACTIVE');
    return yes('Status: Ready for connection', 'READY_FOR_CONNECTION');
  }
}
