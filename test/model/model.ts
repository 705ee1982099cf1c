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
  readonly maxSessionSeconds: number;
  readonly firstConnectionTimeoutSeconds: number;
  readonly idleTimeoutSeconds: number;
  readonly idleWarningSeconds: number;
}

export type ListenedEvent =
  | 'omni.kit.app.GLOBAL_EVENT_APP_READY'
  | 'omni.usd.StageRenderingEventType.NEW_FRAME'
  | 'omni.services.livestream.session.ready'
  | 'omni.kit.livestream.client_connected:immediate'
  | 'omni.kit.livestream.client_disconnected:immediate'
  | 'omni.services.livestream.session.user_input';

export type EndCause = 'GRACEFUL_SHUTDOWN' | 'RESUME_TIMEOUT' | 'RESUME_DISABLED' | 'MAX_SESSION_LENGTH' | 'NO_CLIENT_CONNECTED' | 'SHUTDOWN' | 'IDLE_TIMEOUT';

export type Dispatched =
  | { event: 'omni.services.livestream.session.ended'; payload: { sessionId: string | null; cause: EndCause; deadlineSeconds?: number } }
  | { event: 'omni.services.livestream.session.stun_credentials'; payload: unknown }
  | { event: 'omni.services.livestream.session.idle_warning'; payload: { secondsLeft: number } }
  | { event: 'omni.services.livestream.session.idle_warning_cancelled'; payload: Record<string, never> };

export interface ModelReadiness {
  httpStatus: 200 | 503;
  body: { statusMessage: string; reason: string; resumeSecondsLeft?: number };
}

export type SessionStatus = 'COMPLETE' | 'AWAITING_RESUME';

/** Most clients with an id connected at once (README: a connect for another is refused). */
export const MAX_CLIENT_IDS = 10_000;

/** What the original's model reads as `gracefulShutdown: true`. */
const GRACEFUL = new Set<unknown>([true, 1, 'true', 'TRUE', 'True', 'Yes', 'yes', 't', 'y', 'on', '1']);
/**
 * A deadline that ends the session when reached (or, for the idle warning, warns); `order`
 * breaks ties as timers started earlier fire first. The idle count's timer is started at or
 * after every other of its session, so it comes last on a tie.
 */
interface Deadline {
  at: number;
  order: number;
  cause: EndCause | 'IDLE_WARNING';
}

export class SessionModel {
  /** Milliseconds since start. */
  now = 0;
  appReady = false;
  firstFrame = false;
  sessionReadyEvent = false;
  /** Connects minus disconnects sent without a clientId, never below 0. */
  countedClients = 0;
  /** Ids whose connect came and whose disconnect has not. */
  readonly connectedIds = new Set<string>();
  /** Ids whose disconnect came (in any order with their connect): a connect for one is ignored. */
  readonly departedIds = new Set<string>();
  /** Readiness row 4: a session ended (no quit) while a client was connected. */
  waitingForPreviousClient = false;
  /** When endsession opened the resume window; null while it is closed. */
  windowOpenedAt: number | null = null;
  /** A session ended and no new one has begun (by credentials or a client connecting). */
  ended = false;
  /** A session ended with quitOnSessionEnded: the service is on its way out. */
  quitting = false;
  quits = 0;
  /** SIGTERM or SIGINT came: the service is stopping. */
  shuttingDown = false;
  lastSessionId: string | null = null;
  /** The first client connection of the session (maxSessionSeconds counts from it). */
  sessionStartedAt: number | null = null;
  /** Credentials of a session nobody has connected to yet (firstConnectionTimeoutSeconds counts from them). */
  credentialsAt: number | null = null;
  /**
   * When idle time was last restarted (README: counted only while a client is connected,
   * from its connect or the last user input; not while a resume window is open); null when
   * it is not counted.
   */
  idleSince: number | null = null;
  /** The idle warning of the current count was dispatched. */
  idleWarned = false;
  readonly dispatched: Dispatched[] = [];
  #windowOrder = 0;
  #sessionOrder = 0;
  #credentialsOrder = 0;
  #order = 0;

  constructor(readonly settings: ModelSettings) {}

  get #timeoutMs(): number {
    return this.settings.resumeTimeoutSeconds * 1000;
  }

  get clients(): number {
    return this.countedClients + this.connectedIds.size;
  }

  /** A session is on (or may begin): neither ended nor on the way out. */
  get #live(): boolean {
    return !this.ended && !this.quitting && !this.shuttingDown;
  }

  /** Takes a Kit event; false when it is refused (and changes nothing). */
  event(name: ListenedEvent, clientId?: string): boolean {
    switch (name) {
      case 'omni.kit.app.GLOBAL_EVENT_APP_READY':
        this.appReady = true;
        return true;
      case 'omni.usd.StageRenderingEventType.NEW_FRAME':
        this.firstFrame = true;
        return true;
      case 'omni.services.livestream.session.ready':
        this.sessionReadyEvent = true;
        return true;
      case 'omni.kit.livestream.client_connected:immediate':
        if (clientId === undefined) this.countedClients += 1;
        // The same connection again, or a connect late after its disconnect: ignored.
        else if (this.connectedIds.has(clientId) || this.departedIds.has(clientId)) return true;
        else if (this.connectedIds.size >= MAX_CLIENT_IDS) return false;
        else this.connectedIds.add(clientId);
        if (this.quitting || this.shuttingDown) return true;
        this.windowOpenedAt = null; // resumed
        this.ended = false; // or a new session begins
        this.credentialsAt = null;
        if (this.sessionStartedAt === null) {
          this.sessionStartedAt = this.now;
          this.#sessionOrder = ++this.#order;
        }
        this.#idleRestart();
        return true;
      case 'omni.kit.livestream.client_disconnected:immediate':
        if (clientId === undefined) {
          this.countedClients = Math.max(0, this.countedClients - 1);
        } else {
          if (this.departedIds.has(clientId)) return true; // the same disconnect again
          this.departedIds.add(clientId);
          this.connectedIds.delete(clientId);
        }
        this.waitingForPreviousClient = false;
        if (this.clients === 0) this.#idleStop();
        return true;
      case 'omni.services.livestream.session.user_input':
        if (this.idleSince !== null) this.#idleRestart();
        return true;
    }
  }

  #idleRestart(): void {
    if (this.settings.idleTimeoutSeconds === 0) return;
    this.#idleStop();
    this.idleSince = this.now;
  }

  /** The count stops; a warning given is cancelled. */
  #idleStop(): void {
    if (this.idleWarned) this.dispatched.push({ event: 'omni.services.livestream.session.idle_warning_cancelled', payload: {} });
    this.idleWarned = false;
    this.idleSince = null;
  }

  credentials(dispatchedPayload: unknown): void {
    this.dispatched.push({ event: 'omni.services.livestream.session.stun_credentials', payload: dispatchedPayload });
    if (this.quitting || this.shuttingDown) return;
    this.ended = false;
    if (this.sessionStartedAt === null && this.credentialsAt === null) {
      this.credentialsAt = this.now;
      this.#credentialsOrder = ++this.#order;
    }
  }

  endSession(body: { sessionId?: string | null; gracefulShutdown?: boolean | number | string | null } | undefined): SessionStatus {
    if (typeof body?.sessionId === 'string') this.lastSessionId = body.sessionId;
    if (!this.#live) return 'COMPLETE';
    if (GRACEFUL.has(body?.gracefulShutdown ?? false)) return this.#end('GRACEFUL_SHUTDOWN');
    if (this.windowOpenedAt !== null) {
      return this.now - this.windowOpenedAt >= this.#timeoutMs ? this.#end('RESUME_TIMEOUT') : 'AWAITING_RESUME';
    }
    if (this.settings.resumeTimeoutSeconds > 0) {
      this.windowOpenedAt = this.now;
      this.#windowOrder = ++this.#order;
      this.#idleStop();
      return 'AWAITING_RESUME';
    }
    return this.#end('RESUME_DISABLED');
  }

  /** SIGTERM: a live session ends with cause SHUTDOWN; nothing quits (the service is stopping anyway). */
  shutdown(deadlineSeconds?: number): void {
    if (this.shuttingDown) return;
    if (!this.ended && !this.quitting) {
      this.dispatched.push({
        event: 'omni.services.livestream.session.ended',
        payload: { sessionId: this.lastSessionId, cause: 'SHUTDOWN', ...(deadlineSeconds === undefined ? {} : { deadlineSeconds }) },
      });
    }
    this.shuttingDown = true;
    this.idleSince = null;
    this.idleWarned = false;
    this.windowOpenedAt = null;
    this.sessionStartedAt = null;
    this.credentialsAt = null;
    this.sessionReadyEvent = false;
  }

  #deadlines(): Deadline[] {
    if (!this.#live) return [];
    const { maxSessionSeconds, firstConnectionTimeoutSeconds, endSessionOnResumeTimeout } = this.settings;
    const deadlines: Deadline[] = [];
    if (endSessionOnResumeTimeout && this.windowOpenedAt !== null) {
      deadlines.push({ at: this.windowOpenedAt + this.#timeoutMs, order: this.#windowOrder, cause: 'RESUME_TIMEOUT' });
    }
    if (maxSessionSeconds > 0 && this.sessionStartedAt !== null) {
      deadlines.push({ at: this.sessionStartedAt + maxSessionSeconds * 1000, order: this.#sessionOrder, cause: 'MAX_SESSION_LENGTH' });
    }
    if (firstConnectionTimeoutSeconds > 0 && this.credentialsAt !== null) {
      deadlines.push({ at: this.credentialsAt + firstConnectionTimeoutSeconds * 1000, order: this.#credentialsOrder, cause: 'NO_CLIENT_CONNECTED' });
    }
    const { idleTimeoutSeconds, idleWarningSeconds } = this.settings;
    if (idleTimeoutSeconds > 0 && this.idleSince !== null) {
      const endsAt = this.idleSince + idleTimeoutSeconds * 1000;
      if (idleWarningSeconds > 0 && !this.idleWarned) deadlines.push({ at: endsAt - idleWarningSeconds * 1000, order: Infinity, cause: 'IDLE_WARNING' });
      deadlines.push({ at: endsAt, order: Infinity, cause: 'IDLE_TIMEOUT' });
    }
    return deadlines;
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const next = this.#deadlines()
        .filter((d) => d.at <= target)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      this.now = next.at;
      if (next.cause !== 'IDLE_WARNING') this.#end(next.cause);
      else {
        this.idleWarned = true;
        const secondsLeft = Math.ceil((this.idleSince! + this.settings.idleTimeoutSeconds * 1000 - this.now) / 1000);
        this.dispatched.push({ event: 'omni.services.livestream.session.idle_warning', payload: { secondsLeft } });
      }
    }
    this.now = target;
  }

  #end(cause: EndCause): 'COMPLETE' {
    this.idleSince = null;
    this.idleWarned = false;
    this.windowOpenedAt = null;
    this.sessionStartedAt = null;
    this.credentialsAt = null;
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

  /** What /v1/streaming/status shows of the session policies: whole seconds left, or null. */
  policies(): { sessionSecondsLeft: number | null; firstConnectionSecondsLeft: number | null; idleSecondsLeft: number | null } {
    const left = (since: number | null, seconds: number) =>
      since === null || seconds === 0 ? null : Math.max(0, Math.ceil((since + seconds * 1000 - this.now) / 1000));
    return {
      sessionSecondsLeft: left(this.sessionStartedAt, this.settings.maxSessionSeconds),
      firstConnectionSecondsLeft: left(this.credentialsAt, this.settings.firstConnectionTimeoutSeconds),
      idleSecondsLeft: left(this.idleSince, this.settings.idleTimeoutSeconds),
    };
  }

  readiness(): ModelReadiness {
    const no = (statusMessage: string, reason: string): ModelReadiness => ({ httpStatus: 503, body: { statusMessage, reason } });
    const yes = (statusMessage: string, reason: string): ModelReadiness => ({ httpStatus: 200, body: { statusMessage, reason } });
    if (this.shuttingDown) return no('Status: Streaming session ended (recycle instance)', 'SHUTTING_DOWN');
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
