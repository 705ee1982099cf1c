import { CLIENT_CONNECTED_EVENT, CLIENT_DISCONNECTED_EVENT } from '../core/events.js';
import { OPERATIONS } from '../http/operations.js';
import { decide, skip, type CheckContext } from './context.js';
import { shown, stringField, type Answer } from './http.js';
import { MESSAGE_OF } from './readiness-states.js';

const EVENTS_PATH = OPERATIONS.sendEvent.path;
const READY_PATH = OPERATIONS.checkReady.path;

/**
 * The streaming application's part for a client, through this service's local event API:
 * NVCF never sees that API, but readiness follows what it reports, so a session manager's
 * view of a session with a viewer can only be checked by playing the app.
 */
export class Clients {
  #next = 1;

  private constructor(private readonly ctx: CheckContext) {}

  /**
   * Connects and disconnects a first client, judging readiness after each; resolves with a
   * driver for later clients, or undefined (with both checks skipped and why) when the
   * target's event API cannot be driven.
   */
  static async firstVisit(ctx: CheckContext, { ours, enabled }: { ours: boolean; enabled: boolean }): Promise<Clients | undefined> {
    const expectedConnect = `200 "${MESSAGE_OF.SESSION_ACTIVE}" once the app reports a client`;
    const expectedDisconnect = `200 "${MESSAGE_OF.READY_FOR_CONNECTION}" once the app reports it gone`;
    const skipBoth = (why: string) => {
      skip(ctx, 'client connect', expectedConnect, why);
      skip(ctx, 'client disconnect', expectedDisconnect, why);
      return undefined;
    };
    if (!enabled) return skipBoth('not asked for (--no-clients)');
    if (!ours) return skipBoth('the target has no /v1/streaming/status, so no local event API of this service to report a client through: no client was connected');
    const clients = new Clients(ctx);
    const id = clients.#id();
    const started = ctx.clock.now();
    const connect = await clients.#report(CLIENT_CONNECTED_EVENT, id);
    if (connect.httpStatus !== 202) {
      const hint = connect.httpStatus === 403 ? ' (it answers callers on its own machine, or with --token)' : '';
      return skipBoth(`the local event API answered ${shown(connect)}${hint}: no client was connected`);
    }
    const active = await clients.#readiness();
    decide(ctx, started, 'client connect', says(active, 'SESSION_ACTIVE'), expectedConnect, shown(active));
    const left = ctx.clock.now();
    await clients.#report(CLIENT_DISCONNECTED_EVENT, id);
    const ready = await clients.#readiness();
    decide(ctx, left, 'client disconnect', says(ready, 'READY_FOR_CONNECTION'), expectedDisconnect, shown(ready));
    return clients;
  }

  /** Inside the resume window, a new client comes and goes: the session is resumed, its window closed. */
  async resume(): Promise<void> {
    const started = this.ctx.clock.now();
    const id = this.#id();
    await this.#report(CLIENT_CONNECTED_EVENT, id);
    const active = await this.#readiness();
    await this.#report(CLIENT_DISCONNECTED_EVENT, id);
    const after = await this.#readiness();
    decide(
      this.ctx,
      started,
      'resume by reconnection',
      says(active, 'SESSION_ACTIVE') && says(after, 'READY_FOR_CONNECTION'),
      `200 "${MESSAGE_OF.SESSION_ACTIVE}" while a client is back in the resume window, then 200 "${MESSAGE_OF.READY_FOR_CONNECTION}" once it leaves (the window closed)`,
      `${shown(active)}, then ${shown(after)}`,
    );
  }

  #id(): string {
    return `nvcf-check-client-${this.#next++}`;
  }

  #report(event: string, clientId: string): Promise<Answer> {
    return this.ctx.target.request('POST', EVENTS_PATH, { event, payload: { clientId } });
  }

  #readiness(): Promise<Answer> {
    return this.ctx.target.request('GET', READY_PATH);
  }
}

function says(answer: Answer, reason: 'SESSION_ACTIVE' | 'READY_FOR_CONNECTION'): boolean {
  return answer.httpStatus === 200 && stringField(answer, 'statusMessage') === MESSAGE_OF[reason];
}
