/**
 * The contract suite: the real CLI process, called through the generated client, with every
 * answer's status, media type and body checked against openapi.yaml (an undeclared status or
 * field fails). It walks every readiness message of BEHAVIOUR.md's table and every
 * endsession answer, putting the service into each state through the public and local event
 * endpoints only; where a state needs another setting, it starts a process with it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkReady, checkStartup, endSession, setCredentials } from '../generated/sdk.gen.js';
import type { EndSessionRequest, ListenedEventName } from '../generated/types.gen.js';
import type { Client } from '../src/client.js';
import { assertMatchesSchema, sendEvents } from '../test/support/contract.js';
import { SEED_CREDENTIALS } from '../test/support/fixtures.js';
import { killProcesses, startCli, type CliProcess } from '../test/support/process.js';
import { APP_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED, NEW_FRAME, SESSION_READY } from '../test/support/service.js';
import { EventStreamReader } from '../test/support/sse.js';

afterEach(killProcesses);

const EXT = '--/exts/omni.services.livestream.session';
const HTTP = '--/exts/omni.services.transport.server.http';

interface Cli {
  cli: CliProcess;
  client: Client;
  send(...events: ListenedEventName[]): Promise<void>;
  /** GET /ready: its status and statusMessage must be the table row `reason` says. */
  expectReadiness(reason: string, status: 200 | 503): Promise<Record<string, unknown>>;
  end(body: EndSessionRequest): Promise<string>;
}

async function startWith(settings: Record<string, string | number | boolean>): Promise<Cli> {
  const { cli, client } = await startCli([`${HTTP}/host=127.0.0.1`, ...Object.entries(settings).map(([k, v]) => `${EXT}/${k}=${v}`)]);
  return {
    cli,
    client,
    send: (...events) => sendEvents(client, ...events),
    async expectReadiness(reason, status) {
      const { response, data, error } = await checkReady({ client });
      const body = (data ?? error) as Record<string, unknown>;
      expect({ status: response.status, reason: body.reason, statusMessage: body.statusMessage }).toEqual({ status, reason, statusMessage: MESSAGES[reason] });
      readinessSeen.add(reason);
      return body;
    },
    async end(body) {
      const { response, data } = await endSession({ client, body });
      expect(response.status).toBe(200);
      return data!.sessionStatus;
    },
  };
}

/** The eight rows of BEHAVIOUR.md's table, byte for byte. */
const MESSAGES: Record<string, string> = {
  APP_NOT_READY: 'Status: App not ready',
  RTX_NOT_READY: 'Status: Rtx not ready',
  SESSION_READY_EVENT_NOT_RECEIVED: 'Status: Session ready event not received',
  WAITING_FOR_PREVIOUS_CLIENT: 'Status: Waiting for previous client to disconnect',
  SESSION_ENDED: 'Status: Streaming session ended (recycle instance)',
  AWAITING_RESUME: 'Status: Awaiting session resume (keep alive)',
  SESSION_ACTIVE: 'Status: Streaming session active (keep alive)',
  READY_FOR_CONNECTION: 'Status: Ready for connection',
};

/** A `readiness` event of the stream carries the /ready body and its HTTP status. */
function expectReadinessEvent(data: { httpStatus: number } & Record<string, unknown>, reason: string, status: 200 | 503) {
  const { httpStatus, ...body } = data;
  assertMatchesSchema(status === 200 ? 'ReadyStatus' : 'NotReadyStatus', body);
  expect({ httpStatus, reason: body.reason, statusMessage: body.statusMessage }).toEqual({ httpStatus: status, reason, statusMessage: MESSAGES[reason] });
}

const readinessSeen = new Set<string>();
const endAnswersSeen = new Set<string>();

describe('the CLI process against openapi.yaml', () => {
  it('walks the start-up rows, an active session, a resume window, a resumed session and idempotent ends', async () => {
    const s = await startWith({ waitForSessionReadyEvent: true, quitOnSessionEnded: false, resumeTimeoutSeconds: 30 });
    expect((await checkStartup({ client: s.client })).data).toEqual({ statusMessage: 'Status: Startup endpoint OK' });

    await s.expectReadiness('APP_NOT_READY', 503);
    await s.send(APP_READY);
    await s.expectReadiness('RTX_NOT_READY', 503);
    await s.send(NEW_FRAME);
    await s.expectReadiness('SESSION_READY_EVENT_NOT_RECEIVED', 503);
    await s.send(SESSION_READY);
    await s.expectReadiness('READY_FOR_CONNECTION', 200);
    expect((await setCredentials({ client: s.client, body: SEED_CREDENTIALS })).data).toEqual({ success: true, errorMessage: null });
    await s.send(CLIENT_CONNECTED);
    await s.expectReadiness('SESSION_ACTIVE', 200);

    // Row 3 of endsession: the window opens; row 2: asking again does not restart it.
    await s.send(CLIENT_DISCONNECTED);
    expect(await s.end({ sessionId: 'contract-1', gracefulShutdown: false })).toBe('AWAITING_RESUME');
    endAnswersSeen.add('window opened: AWAITING_RESUME');
    const awaiting = await s.expectReadiness('AWAITING_RESUME', 200);
    expect(awaiting.resumeSecondsLeft).toBeGreaterThan(0);
    expect(await s.end({ sessionId: 'contract-1' })).toBe('AWAITING_RESUME');
    endAnswersSeen.add('window still open: AWAITING_RESUME');

    // A client reconnecting resumes the session.
    await s.send(CLIENT_CONNECTED);
    await s.expectReadiness('SESSION_ACTIVE', 200);

    // Row 1: a graceful end while the client is still connected; the session-ready event is
    // forgotten, and that row comes before the previous client's.
    expect(await s.end({ sessionId: 'contract-1', gracefulShutdown: true })).toBe('COMPLETE');
    endAnswersSeen.add('graceful: COMPLETE');
    await s.expectReadiness('SESSION_READY_EVENT_NOT_RECEIVED', 503);

    // Ending an ended session answers COMPLETE again, also with an empty body.
    expect(await s.end({ sessionId: 'contract-1', gracefulShutdown: false })).toBe('COMPLETE');
    expect(await s.end({})).toBe('COMPLETE');
    endAnswersSeen.add('already ended: COMPLETE');

    s.cli.kill('SIGTERM');
    expect(await s.cli.exited).toEqual({ code: 0, signal: null });
  });

  it('ends a session whose resume window ran out, then waits for the previous client to leave', async () => {
    const s = await startWith({ quitOnSessionEnded: false, resumeTimeoutSeconds: 1 });
    await s.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
    await s.expectReadiness('SESSION_ACTIVE', 200);

    // The window opens and runs out on the service's own clock (polled until it says so).
    expect(await s.end({ sessionId: 'contract-2', gracefulShutdown: false })).toBe('AWAITING_RESUME');
    await vi.waitFor(async () => expect((await s.expectReadiness('AWAITING_RESUME', 200)).resumeSecondsLeft).toBe(0), { timeout: 5_000, interval: 50 });
    expect(await s.end({ sessionId: 'contract-2', gracefulShutdown: false })).toBe('COMPLETE');
    endAnswersSeen.add('window ran out: COMPLETE');
    await s.expectReadiness('WAITING_FOR_PREVIOUS_CLIENT', 503);
    await s.send(CLIENT_DISCONNECTED);
    await s.expectReadiness('READY_FOR_CONNECTION', 200);

    s.cli.kill('SIGTERM');
    expect(await s.cli.exited).toEqual({ code: 0, signal: null });
  });

  it('with no resume window, ends at once, reports the recycle row on the stream, then quits with 0', async () => {
    const s = await startWith({ resumeTimeoutSeconds: 0 });
    await s.send(APP_READY, NEW_FRAME);
    await s.expectReadiness('READY_FOR_CONNECTION', 200);
    const stream = await EventStreamReader.open(s.client);
    await s.send(CLIENT_CONNECTED, CLIENT_DISCONNECTED);

    // Row 4 of endsession: no window to open, so the session ends now.
    expect(await s.end({ sessionId: 'contract-3', gracefulShutdown: false })).toBe('COMPLETE');
    endAnswersSeen.add('no window: COMPLETE');
    const ended = await stream.next('omni.services.livestream.session.ended');
    expect(ended).toMatchObject({ sessionId: 'contract-3' });
    // The process quits right after answering, so the recycle row is read off the stream.
    expectReadinessEvent(await stream.next('readiness', (d) => d.reason === 'SESSION_ENDED'), 'SESSION_ENDED', 503);
    readinessSeen.add('SESSION_ENDED');
    expect(await s.cli.exited).toEqual({ code: 0, signal: null });
    stream.close();
  });

  it('reached every readiness row and every endsession answer', () => {
    expect([...readinessSeen].sort()).toEqual(Object.keys(MESSAGES).sort());
    expect([...endAnswersSeen].sort()).toEqual(
      ['already ended: COMPLETE', 'graceful: COMPLETE', 'no window: COMPLETE', 'window opened: AWAITING_RESUME', 'window ran out: COMPLETE', 'window still open: AWAITING_RESUME'].sort(),
    );
  });
});
