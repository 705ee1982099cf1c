import fc from 'fast-check';
import { expect } from 'vitest';
import { checkReady, endSession, getStatus, sendEvent, setCredentials } from '../../generated/sdk.gen.js';
import type { EndSessionRequest, StreamingCredentials } from '../../generated/types.gen.js';
import { SEED_CREDENTIALS } from '../support/fixtures.js';
import type { RunningService } from '../support/service.js';
import type { Dispatched, ListenedEvent, ModelSettings, SessionModel } from './model.js';

/** The service under test, with what it dispatched on its bus. */
export interface Real {
  running: RunningService;
  dispatched: Dispatched[];
}

type Command = fc.AsyncCommand<SessionModel, Real>;

export const LISTENED: readonly ListenedEvent[] = [
  'omni.kit.app.GLOBAL_EVENT_APP_READY',
  'omni.usd.StageRenderingEventType.NEW_FRAME',
  'omni.services.livestream.session.ready',
  'omni.kit.livestream.client_connected:immediate',
  'omni.kit.livestream.client_disconnected:immediate',
  'omni.services.livestream.session.user_input',
];

/** The streaming application is up and its session ready. */
export const UP: readonly ListenedEvent[] = [
  'omni.kit.app.GLOBAL_EVENT_APP_READY',
  'omni.usd.StageRenderingEventType.NEW_FRAME',
  'omni.services.livestream.session.ready',
];

/** How long a quit may take to run once its answer is out, before the model calls it missing. */
const QUIT_WAIT_MS = 5_000;

/** After every command: readiness, the dispatched events and the quits agree with the model. */
async function compare(model: SessionModel, real: Real): Promise<void> {
  expect(real.dispatched).toEqual(model.dispatched);
  const expected = model.readiness();
  if (model.quitting) {
    // The service closes its server once it quits: readiness is read in process instead.
    await within(real.running.service.exited, QUIT_WAIT_MS);
    expect(real.running.exits).toEqual([0]);
    expect(real.running.service.readiness()).toEqual({ httpStatus: expected.httpStatus, ...expected.body });
    return;
  }
  const { response, data, error } = await checkReady({ client: real.running.client });
  expect({ httpStatus: response.status, body: data ?? error }).toEqual(expected);
  const { maxSessionSeconds, firstConnectionTimeoutSeconds, idleTimeoutSeconds } = model.settings;
  if (maxSessionSeconds > 0 || firstConnectionTimeoutSeconds > 0 || idleTimeoutSeconds > 0) {
    // Only where a policy is on: a request more per command is a third of a sequence's time.
    const { data: status } = await getStatus({ client: real.running.client });
    const shown = {
      clients: status?.clients,
      sessionSecondsLeft: status?.sessionSecondsLeft,
      firstConnectionSecondsLeft: status?.firstConnectionSecondsLeft,
      idleSecondsLeft: status?.idleSecondsLeft,
    };
    expect(shown).toEqual({ clients: model.clients, ...model.policies() });
  }
  expect(real.running.exits).toEqual([]);
}

/** Resolves when `promise` settles or after `ms`, whichever comes first. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export class SendEvent implements Command {
  constructor(
    readonly event: ListenedEvent,
    readonly clientId?: string,
  ) {}
  check = (m: Readonly<SessionModel>) => !m.quitting;
  async run(model: SessionModel, real: Real) {
    const accepted = model.event(this.event, this.clientId);
    const payload = this.clientId === undefined ? {} : { payload: { clientId: this.clientId } };
    const { response } = await sendEvent({ client: real.running.client, body: { event: this.event, ...payload } });
    expect(response.status).toBe(accepted ? 202 : 409);
    await compare(model, real);
  }
  toString = () => `send(${this.event.replace(/^.*\./, '')}${this.clientId === undefined ? '' : ` ${this.clientId}`})`;
}

/** SIGTERM or SIGINT, as the CLI passes it on (with the supervisor's deadline, or without one). */
class Shutdown implements Command {
  constructor(readonly deadlineSeconds: number | undefined) {}
  check = (m: Readonly<SessionModel>) => !m.quitting;
  async run(model: SessionModel, real: Real) {
    model.shutdown(this.deadlineSeconds);
    await real.running.service.session.drain(this.deadlineSeconds);
    await compare(model, real);
  }
  toString = () => `shutdown(${this.deadlineSeconds ?? ''})`;
}

class EndSession implements Command {
  constructor(readonly body: EndSessionRequest | undefined) {}
  check = (m: Readonly<SessionModel>) => !m.quitting;
  async run(model: SessionModel, real: Real) {
    if (this.body === undefined) {
      // Refused, as the original refuses it, and nothing changes.
      const { response } = await real.running.client.request({ method: 'POST', url: '/v1/streaming/endsession' });
      expect(response.status).toBe(400);
    } else {
      const expected = model.endSession(this.body);
      const { response, data } = await endSession({ client: real.running.client, body: this.body });
      expect(response.status).toBe(200);
      expect(data).toEqual({ sessionStatus: expected });
    }
    await compare(model, real);
  }
  toString = () => `endsession(${this.body === undefined ? 'no body' : JSON.stringify(this.body)})`;
}

class PostCredentials implements Command {
  constructor(readonly example: CredentialsExample) {}
  check = (m: Readonly<SessionModel>) => !m.quitting;
  async run(model: SessionModel, real: Real) {
    model.credentials(this.example.dispatched);
    const { response, data } = await setCredentials({ client: real.running.client, body: this.example.body });
    expect(response.status).toBe(200);
    expect(data).toEqual({ success: true, errorMessage: null });
    await compare(model, real);
  }
  toString = () => `creds(${this.example.name})`;
}

class AdvanceClock implements Command {
  constructor(readonly seconds: number) {}
  check = (m: Readonly<SessionModel>) => !m.quitting;
  async run(model: SessionModel, real: Real) {
    model.advance(this.seconds * 1000);
    real.running.clock.advanceSeconds(this.seconds);
    await compare(model, real);
  }
  toString = () => `advance(${this.seconds}s)`;
}

interface CredentialsExample {
  name: string;
  body: StreamingCredentials;
  /** What the streaming application should receive: the body as it came, unknown fields too. */
  dispatched: unknown;
}

const MINIMAL = { stunIp: '10.0.0.7', stunPort: 3478, username: 'u', password: 'p' };
const TURN = { username: 'tu', password: 'tp', uris: ['turn:10.0.0.8:3478'], transportPolicy: 'RELAY' as const, relayLocation: 'GFN' as const };

export const CREDENTIAL_EXAMPLES: readonly CredentialsExample[] = [
  { name: 'seed example', body: SEED_CREDENTIALS, dispatched: SEED_CREDENTIALS },
  { name: 'STUN only', body: MINIMAL, dispatched: MINIMAL },
  {
    name: 'with unknown fields',
    body: { ...MINIMAL, privateSharedPort: 49100, region: 'eu-west', turnDetails: { ...TURN, ttlSeconds: 60 } } as StreamingCredentials,
    dispatched: { ...MINIMAL, privateSharedPort: 49100, region: 'eu-west', turnDetails: { ...TURN, ttlSeconds: 60 } },
  },
];

/** [idleTimeoutSeconds, idleWarningSeconds], with the time-out on. */
const IDLE_SETTINGS: ReadonlyArray<[number, number]> = [[1, 0], [2, 1], [3, 1], [5, 2], [5, 4]];

export const settingsArbitrary: fc.Arbitrary<ModelSettings> = fc
  .record({
    quitOnSessionEnded: fc.boolean(),
    resumeTimeoutSeconds: fc.integer({ min: 0, max: 5 }),
    waitForSessionReadyEvent: fc.boolean(),
    endSessionOnResumeTimeout: fc.boolean(),
    maxSessionSeconds: fc.constantFrom(0, 0, 1, 2, 5),
    firstConnectionTimeoutSeconds: fc.constantFrom(0, 0, 1, 2, 5),
    // [idleTimeoutSeconds, idleWarningSeconds]: the warning comes before the time-out (one that does not is refused at start-up).
    idle: fc.constantFrom<[number, number]>([0, 10], [0, 0], ...IDLE_SETTINGS),
  })
  .map(({ idle: [idleTimeoutSeconds, idleWarningSeconds], ...rest }) => ({ ...rest, idleTimeoutSeconds, idleWarningSeconds }));

const endSessionBody: fc.Arbitrary<EndSessionRequest | undefined> = fc.option(
  fc.record(
    // Beside JSON's booleans, spellings pydantic takes for them (the model reads them by its own table).
    { sessionId: fc.constantFrom('session-a', 'session-b', null), gracefulShutdown: fc.constantFrom<EndSessionRequest['gracefulShutdown']>(true, false, null, 'true', 'FALSE', 1, 0, 'Yes', 'off', 't', 'n') },
    { requiredKeys: [] },
  ),
  { nil: undefined, freq: 8 },
);

/** Seconds in quarters (exact in binary, so the model and the fake clock agree to the millisecond), and 1 ms. */
const seconds = fc.oneof(fc.integer({ min: 0, max: 24 }).map((quarters) => quarters / 4), fc.constant(0.001));

export const commandArbitraries: Array<fc.Arbitrary<Command>> = [
  fc.constantFrom(...LISTENED).map((event) => new SendEvent(event)),
  // User input, more often: it restarts or cancels the idle count.
  fc.constant(new SendEvent('omni.services.livestream.session.user_input')),
  // App ready and the first frame again, so that most runs get past readiness rows 1 and 2.
  fc.constantFrom<ListenedEvent>('omni.kit.app.GLOBAL_EVENT_APP_READY', 'omni.usd.StageRenderingEventType.NEW_FRAME').map((e) => new SendEvent(e)),
  fc.constantFrom<ListenedEvent>('omni.kit.livestream.client_connected:immediate', 'omni.kit.livestream.client_disconnected:immediate').map((e) => new SendEvent(e)),
  // Connects and disconnects with a few ids, in any order and repeated.
  fc
    .tuple(fc.constantFrom<ListenedEvent>('omni.kit.livestream.client_connected:immediate', 'omni.kit.livestream.client_disconnected:immediate'), fc.constantFrom('c1', 'c2', 'c3'))
    .map(([e, id]) => new SendEvent(e, id)),
  fc.option(fc.constantFrom(0, 10), { nil: undefined, freq: 2 }).map((deadline) => new Shutdown(deadline)),
  endSessionBody.map((body) => new EndSession(body)),
  endSessionBody.map((body) => new EndSession(body)),
  fc.constantFrom(...CREDENTIAL_EXAMPLES).map((example) => new PostCredentials(example)),
  seconds.map((s) => new AdvanceClock(s)),
  seconds.map((s) => new AdvanceClock(s)),
];

/** Settings with the idle time-out on, for the sequences that dwell on it. */
export const idleSettingsArbitrary: fc.Arbitrary<ModelSettings> = fc
  .tuple(settingsArbitrary, fc.constantFrom(...IDLE_SETTINGS))
  .map(([settings, [idleTimeoutSeconds, idleWarningSeconds]]) => ({ ...settings, idleTimeoutSeconds, idleWarningSeconds }));

const CONNECTED: ListenedEvent = 'omni.kit.livestream.client_connected:immediate';
const DISCONNECTED: ListenedEvent = 'omni.kit.livestream.client_disconnected:immediate';
const USER_INPUT: ListenedEvent = 'omni.services.livestream.session.user_input';

/**
 * Commands weighted to reach the idle warning and its edges: clients come and go, input
 * comes or does not while time passes, a resume window opens.
 */
/** Steps of time up to most of an idle time-out, a tick, and a tick short of a second. */
const idleSeconds = fc.constantFrom(0.001, 0.25, 0.999, 1, 1.5, 2, 3, 4);

export const idleCommandArbitraries: Array<fc.Arbitrary<Command>> = [
  fc.constant(new SendEvent(CONNECTED)),
  fc.constantFrom(CONNECTED, DISCONNECTED).map((e) => new SendEvent(e)),
  fc.tuple(fc.constantFrom(CONNECTED, DISCONNECTED), fc.constantFrom('c1', 'c2')).map(([e, id]) => new SendEvent(e, id)),
  fc.constant(new SendEvent(USER_INPUT)),
  endSessionBody.map((body) => new EndSession(body)),
  fc.constantFrom(...CREDENTIAL_EXAMPLES).map((example) => new PostCredentials(example)),
  idleSeconds.map((s) => new AdvanceClock(s)),
  idleSeconds.map((s) => new AdvanceClock(s)),
  idleSeconds.map((s) => new AdvanceClock(s)),
];
