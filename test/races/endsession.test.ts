import { afterEach, describe, expect, it } from 'vitest';
import { checkReady, endSession } from '../../generated/sdk.gen.js';
import type { EndSessionRequest } from '../../generated/types.gen.js';
import { SESSION_ENDED_EVENT } from '../../src/core/events.js';
import type { SessionEndedPayload } from '../../src/core/events.js';
import type { Settings } from '../../src/settings/table.js';
import { RawConnection } from '../support/raw-http.js';
import { APP_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED, NEW_FRAME, startService, stopServices, type RunningService } from '../support/service.js';

afterEach(stopServices);

const CALLS = 20;
/**
 * The cases where requests race a real event (the quit that closes the listener, an app
 * event on its own connection) run this many times: an ordering that breaks the rules may
 * show only now and then.
 */
const ROUNDS = 10;

async function streamingSession(settings: Partial<Settings>) {
  const running = await startService({ resumeTimeoutSeconds: 30, ...settings });
  const ended: SessionEndedPayload[] = [];
  running.service.bus.on(SESSION_ENDED_EVENT, (payload) => ended.push(payload));
  await running.send(APP_READY, NEW_FRAME, CLIENT_CONNECTED);
  return { running, ended };
}

/** Sends every body at once, each on its own connection; resolves with the answers in the same order. */
async function endAtOnce(running: RunningService, bodies: EndSessionRequest[]) {
  const answers = await Promise.all(bodies.map((body) => endSession({ client: running.client, body })));
  return answers.map(({ response, data }) => {
    expect(response.status).toBe(200);
    return data!.sessionStatus;
  });
}

/** Connections opened and used once beforehand, so that requests sent on them reach the service in the same instant. */
async function warmConnections(running: RunningService, count: number): Promise<RawConnection[]> {
  // A fetch client puts its requests on the wire one event-loop turn apart, and the first
  // answer (and a quit) may come before the others are sent.
  const port = Number(new URL(running.url).port);
  const connections = await Promise.all(Array.from({ length: count }, () => RawConnection.open(port)));
  for (const connection of connections) connection.sendHead('GET', '/v1/streaming/startup');
  for (const connection of connections) expect((await connection.response()).status).toBe(200);
  return connections;
}

async function readiness(running: RunningService) {
  const { response, data, error } = await checkReady({ client: running.client });
  return { httpStatus: response.status, ...(data ?? error) };
}

const graceful = (i: number): EndSessionRequest => ({ sessionId: `s-${i}`, gracefulShutdown: true });
const notGraceful = (i: number): EndSessionRequest => ({ sessionId: `s-${i}`, gracefulShutdown: false });
const mixed = (i: number): EndSessionRequest => (i % 2 === 0 ? graceful(i) : notGraceful(i));
const bodies = (make: (i: number) => EndSessionRequest) => Array.from({ length: CALLS }, (_, i) => make(i));

// The session machine takes one request at a time to the end of its step, synchronously:
// twenty calls sent at once reach it one after another and cannot interleave inside it. In
// the cases below every call meets the same kind of state whatever the order (all graceful;
// none graceful with the clock standing still), or what is checked holds for every order
// (graceful and not), so one run shows all there is to show and repeating it only re-draws
// an order that cannot change the outcome. They are run once;
// what they still prove is that the HTTP path adds no gap between reading the session and
// stepping it. The cases after them race a real event and repeat.
describe(`${CALLS} endsession calls at once`, () => {
  it('all graceful, a client connected: every call answers COMPLETE and the session ends once', async () => {
    const { running, ended } = await streamingSession({ quitOnSessionEnded: false });
    expect(await endAtOnce(running, bodies(graceful))).toEqual(Array(CALLS).fill('COMPLETE'));
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ cause: 'GRACEFUL_SHUTDOWN' });
    expect(await readiness(running)).toMatchObject({ httpStatus: 503, reason: 'WAITING_FOR_PREVIOUS_CLIENT' });
  });

  it('none graceful, no window open: every call answers AWAITING_RESUME and one window opens', async () => {
    const { running, ended } = await streamingSession({ quitOnSessionEnded: false });
    await running.send(CLIENT_DISCONNECTED);
    expect(await endAtOnce(running, bodies(notGraceful))).toEqual(Array(CALLS).fill('AWAITING_RESUME'));
    expect(ended).toEqual([]);
    running.clock.advanceSeconds(29);
    // Opened once: no later call restarted it.
    expect(await readiness(running)).toMatchObject({ httpStatus: 200, reason: 'AWAITING_RESUME', resumeSecondsLeft: 1 });
  });

  it('none graceful, the window open and not yet run out: every call answers AWAITING_RESUME', async () => {
    const { running, ended } = await streamingSession({ quitOnSessionEnded: false });
    await running.send(CLIENT_DISCONNECTED);
    expect(await endAtOnce(running, [notGraceful(0)])).toEqual(['AWAITING_RESUME']);
    running.clock.advanceSeconds(10);
    expect(await endAtOnce(running, bodies(notGraceful))).toEqual(Array(CALLS).fill('AWAITING_RESUME'));
    expect(ended).toEqual([]);
    expect(await readiness(running)).toMatchObject({ reason: 'AWAITING_RESUME', resumeSecondsLeft: 20 });
  });

  it('none graceful, the window run out: every call answers COMPLETE and the session ends once', async () => {
    const { running, ended } = await streamingSession({ quitOnSessionEnded: false });
    await running.send(CLIENT_DISCONNECTED);
    expect(await endAtOnce(running, [notGraceful(0)])).toEqual(['AWAITING_RESUME']);
    running.clock.advanceSeconds(30);
    expect(await endAtOnce(running, bodies(notGraceful))).toEqual(Array(CALLS).fill('COMPLETE'));
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ cause: 'RESUME_TIMEOUT' });
    expect(await readiness(running)).toMatchObject({ httpStatus: 200, reason: 'READY_FOR_CONNECTION' });
  });

  it('graceful and not, the window open: graceful calls answer COMPLETE, the others as their turn came, one end', async () => {
    const { running, ended } = await streamingSession({ quitOnSessionEnded: false });
    expect(await endAtOnce(running, [notGraceful(99)])).toEqual(['AWAITING_RESUME']);
    const answers = await endAtOnce(running, bodies(mixed));
    answers.forEach((answer, i) => {
      if (mixed(i).gracefulShutdown) expect(answer).toBe('COMPLETE');
      else expect(['AWAITING_RESUME', 'COMPLETE']).toContain(answer);
    });
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ cause: 'GRACEFUL_SHUTDOWN' });
    // Whoever came first, the session ended with the client still connected.
    expect(await readiness(running)).toMatchObject({ httpStatus: 503, reason: 'WAITING_FOR_PREVIOUS_CLIENT' });
  });

  it('with quitOnSessionEnded: every call that reached the service gets its answer, the session ends once, then it quits once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { running, ended } = await streamingSession({ quitOnSessionEnded: true });
      // Real concurrency: the first graceful answer quits the service, and the others race the quit.
      const connections = await warmConnections(running, CALLS);

      const sent = bodies(mixed);
      connections.forEach((connection, i) => connection.sendHead('POST', '/v1/streaming/endsession', { body: JSON.stringify(sent[i]) }));
      const answers = await Promise.all(connections.map((connection) => connection.response()));
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        const { sessionStatus } = JSON.parse(answer.body) as { sessionStatus: string };
        if (sent[i]!.gracefulShutdown) expect(sessionStatus).toBe('COMPLETE');
        else expect(['AWAITING_RESUME', 'COMPLETE']).toContain(sessionStatus);
      });
      expect(ended).toHaveLength(1);
      expect(ended[0]).toMatchObject({ cause: 'GRACEFUL_SHUTDOWN' });
      expect(await running.service.exited).toBe(0);
      expect(running.exits).toEqual([0]);
      expect(running.service.readiness()).toMatchObject({ httpStatus: 503, reason: 'SESSION_ENDED' });
      await stopServices();
    }
  });

  it('none graceful, the window run out, racing the client’s reconnect: the session ends at most once, and only if a call answered COMPLETE', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { running, ended } = await streamingSession({ quitOnSessionEnded: false });
      await running.send(CLIENT_DISCONNECTED);
      expect(await endAtOnce(running, [notGraceful(0)])).toEqual(['AWAITING_RESUME']);
      running.clock.advanceSeconds(30);
      // Real concurrency: the reconnect (an app event on a connection of its own) races the
      // calls; a call before it ends the session (the window has run out), one after it finds
      // the session resumed and opens a new window.
      const [reconnect, ...connections] = await warmConnections(running, CALLS + 1);
      const sent = bodies(notGraceful);
      connections.forEach((connection, i) => {
        if (i === CALLS / 2) reconnect!.sendHead('POST', '/v1/streaming/events', { body: JSON.stringify({ event: CLIENT_CONNECTED }) });
        connection.sendHead('POST', '/v1/streaming/endsession', { body: JSON.stringify(sent[i]) });
      });
      expect((await reconnect!.response()).status).toBe(202);
      const answers = await Promise.all(connections.map((connection) => connection.response()));
      const statuses = answers.map((answer) => {
        expect(answer.status).toBe(200);
        return (JSON.parse(answer.body) as { sessionStatus: string }).sessionStatus;
      });
      for (const status of statuses) expect(['AWAITING_RESUME', 'COMPLETE']).toContain(status);
      if (statuses.includes('COMPLETE')) {
        expect(ended).toHaveLength(1);
        expect(ended[0]).toMatchObject({ cause: 'RESUME_TIMEOUT' });
      } else {
        expect(ended).toEqual([]);
      }
      await stopServices();
    }
  });
});
