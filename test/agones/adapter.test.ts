import { afterEach, describe, expect, it } from 'vitest';
import { AgonesAdapter, RETRY_FIRST_MS, SHUTDOWN_DEADLINE_MS } from '../../src/agones/adapter.js';
import type { OccupancyNames } from '../../src/agones/machine.js';
import { labelValue } from '../../src/agones/labels.js';
import { agonesWanted, SdkCallTimedOut, sdkUrl, type AgonesSdk, type Declared } from '../../src/agones/sdk.js';
import { createKitEventBus } from '../../src/core/bus.js';
import { FakeClock } from '../../src/core/clock.js';
import { APP_READY_EVENT, CLIENT_CONNECTED_EVENT, CLIENT_DISCONNECTED_EVENT, NEW_FRAME_EVENT } from '../../src/core/events.js';
import { Session } from '../../src/core/session.js';
import { SEED_CREDENTIALS } from '../support/fixtures.js';

const quiet = { info() {}, warn() {}, error() {} };

/**
 * A sidecar in memory: records the calls it takes; while `down`, refuses them all; while
 * `slowLabels`, carries labels out but answers none until `labelsTimeOut()` (as the REST
 * SDK gives up on a call after its time-out).
 */
class SidecarDouble implements AgonesSdk {
  readonly url = 'http://127.0.0.1:9358';
  calls: string[] = [];
  /** Every call tried, taken or refused. */
  tries = 0;
  down = false;
  slowLabels = false;
  #unanswered: Array<(error: Error) => void> = [];
  #take(call: string) {
    this.tries++;
    if (this.down) return Promise.reject(new Error('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9358') }));
    this.calls.push(call);
    return Promise.resolve();
  }
  ready = () => this.#take('ready');
  health = () => this.#take('health');
  setLabel = (key: string, value: string) => {
    if (!this.slowLabels) return this.#take(`label ${key}=${value}`);
    this.tries++;
    this.calls.push(`label ${key}=${value}`);
    return new Promise<void>((_resolve, reject) => this.#unanswered.push(reject));
  };
  /** The labels not answered yet, failed as the REST SDK fails them after its time-out. */
  labelsTimeOut() {
    for (const reject of this.#unanswered.splice(0)) reject(new SdkCallTimedOut('PUT /metadata/label not answered within 3 s'));
  }
  get unansweredLabels() {
    return this.#unanswered.length;
  }
  shutdown = () => this.#take('shutdown');
  allocate = () => this.#take('allocate');
  /** What the GameServer declares: nothing, unless a test says otherwise. */
  declared: Declared = { counters: {}, lists: {} };
  gameServer = () => this.#take('gameserver').then(() => this.declared);
  updateCounter = (name: string, countDiff: number) => this.#take(`counter ${name} ${countDiff}`);
  addListValue = (name: string, value: string) => this.#take(`list ${name} +${value}`);
  removeListValue = (name: string, value: string) => this.#take(`list ${name} -${value}`);
  /** The calls other than health pings. */
  get moves() {
    return this.calls.filter((c) => c !== 'health');
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const adapters: AgonesAdapter[] = [];
afterEach(() => {
  for (const adapter of adapters.splice(0)) adapter.stop();
});

function setUp({ quit = false, periodMs = 2000, down = false, slowLabels = false, occupancy = undefined as OccupancyNames | undefined, declared = undefined as Declared | undefined } = {}) {
  const clock = new FakeClock();
  const bus = createKitEventBus();
  const warnings: Array<Record<string, unknown>> = [];
  const logger = { info() {}, warn: (obj: object) => warnings.push(obj as Record<string, unknown>), error() {} };
  const session = new Session({
    settings: { quitOnSessionEnded: quit, resumeTimeoutSeconds: 30, waitForSessionReadyEvent: false, endSessionOnResumeTimeout: false, maxSessionSeconds: 0, firstConnectionTimeoutSeconds: 0, idleTimeoutSeconds: 0, idleWarningSeconds: 10 },
    clock,
    bus,
    logger: quiet,
    onQuit: () => {},
  });
  const sdk = new SidecarDouble();
  sdk.down = down;
  sdk.slowLabels = slowLabels;
  if (declared) sdk.declared = declared;
  const adapter = new AgonesAdapter({ session, sdk, clock, logger, healthPeriodMs: periodMs, ...(occupancy && { occupancy }) });
  adapters.push(adapter);
  const up = () => {
    bus.emit(APP_READY_EVENT);
    bus.emit(NEW_FRAME_EVENT);
  };
  return { clock, bus, session, sdk, adapter, warnings, up };
}

describe('the Agones adapter', () => {
  it('calls Ready only once readiness reaches READY_FOR_CONNECTION', async () => {
    const { sdk, bus, up } = setUp();
    bus.emit(APP_READY_EVENT);
    await flush();
    expect(sdk.moves).not.toContain('ready');
    up();
    await flush();
    expect(sdk.moves).toEqual(['label readiness=APP_NOT_READY', 'label readiness=RTX_NOT_READY', 'label readiness=READY_FOR_CONNECTION', 'ready']);
  });

  it('does not call Ready again when a viewer leaves a session still open', async () => {
    const { sdk, bus, up } = setUp();
    up();
    bus.emit(CLIENT_CONNECTED_EVENT);
    bus.emit(CLIENT_DISCONNECTED_EVENT);
    await flush();
    expect(sdk.moves.filter((c) => c === 'ready')).toHaveLength(1);
  });

  it('calls Ready again after a session ended without quitting, labelled with its id', async () => {
    const { sdk, session, up } = setUp();
    up();
    session.setCredentials(SEED_CREDENTIALS);
    session.endSession({ gracefulShutdown: true, sessionId: 'viewer-42' });
    await flush();
    expect(sdk.moves.filter((c) => c === 'ready')).toHaveLength(2);
    expect(sdk.moves).toContain('label session-id=viewer-42');
  });

  it('labels the session id a credentials body names', async () => {
    const { sdk, session } = setUp();
    session.setCredentials({ ...SEED_CREDENTIALS, sessionId: 'from-the-portal' } as typeof SEED_CREDENTIALS);
    await flush();
    expect(sdk.moves).toContain('label session-id=from-the-portal');
  });

  it('sends health pings at the period set, from the start', async () => {
    const { sdk, clock } = setUp({ periodMs: 2000 });
    await flush();
    expect(sdk.calls.filter((c) => c === 'health')).toHaveLength(1);
    clock.advance(1999);
    await flush();
    expect(sdk.calls.filter((c) => c === 'health')).toHaveLength(1);
    clock.advance(1);
    clock.advance(2000);
    await flush();
    expect(sdk.calls.filter((c) => c === 'health')).toHaveLength(3);
  });

  it('stops health pings, and calls no Ready, when the application exits by itself', async () => {
    const { sdk, clock, session, bus, adapter } = setUp();
    bus.emit(APP_READY_EVENT);
    session.appExited();
    bus.emit(NEW_FRAME_EVENT);
    const pings = sdk.calls.filter((c) => c === 'health').length;
    clock.advanceSeconds(30);
    await flush();
    expect(sdk.calls.filter((c) => c === 'health')).toHaveLength(pings);
    expect(sdk.moves).not.toContain('ready');
    expect(adapter.view().healthPings).toBe(false);
  });

  it('retries with back-off while the sidecar is away, logs the failure once, and then catches up', async () => {
    const { sdk, clock, up, warnings, adapter } = setUp({ down: true });
    up();
    for (let i = 0; i < 8; i++) {
      await flush();
      clock.advance(RETRY_FIRST_MS * 2 ** i);
    }
    await flush();
    expect(warnings.filter((w) => w.error !== undefined)).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('ECONNREFUSED');
    expect(adapter.view()).toMatchObject({ state: null, lastCall: { ok: false }, pendingCalls: ['ready', 'setlabel'] });
    sdk.down = false;
    clock.advanceSeconds(5);
    await flush();
    await flush();
    // The readiness labels still waiting collapse into the latest one.
    expect(sdk.moves.toSorted()).toEqual(['label readiness=READY_FOR_CONNECTION', 'ready']);
    expect(adapter.view()).toMatchObject({ state: 'Ready', pendingCalls: [] });
  });

  it('tries again no faster than the back-off allows', async () => {
    const { sdk, clock, adapter } = setUp({ down: true });
    await flush();
    // The first label and the first health ping.
    expect(sdk.tries).toBe(2);
    clock.advance(RETRY_FIRST_MS - 1);
    await flush();
    expect(sdk.tries).toBe(2);
    clock.advance(1);
    await flush();
    expect(sdk.tries).toBe(3);
    clock.advance(RETRY_FIRST_MS * 2 - 1);
    await flush();
    expect(sdk.tries).toBe(3);
    clock.advance(1);
    await flush();
    expect(sdk.tries).toBe(4);
    expect(adapter.view().pendingCalls).toEqual(['setlabel']);
  });

  it('sends Shutdown after the calls waiting, then stops pinging', async () => {
    const { sdk, clock, up, adapter } = setUp({ quit: true });
    up();
    await adapter.shutdown();
    expect(sdk.moves.at(-1)).toBe('shutdown');
    expect(sdk.moves.indexOf('ready')).toBeLessThan(sdk.moves.indexOf('shutdown'));
    const calls = sdk.calls.length;
    clock.advanceSeconds(30);
    await flush();
    expect(sdk.calls).toHaveLength(calls);
  });

  it('gives up on Shutdown after its deadline when the sidecar never answers', async () => {
    const { clock, adapter } = setUp({ quit: true, down: true });
    let done = false;
    void adapter.shutdown().then(() => (done = true));
    clock.advance(SHUTDOWN_DEADLINE_MS - 1);
    await flush();
    expect(done).toBe(false);
    clock.advance(1);
    await flush();
    expect(done).toBe(true);
  });
});

describe('the Agones adapter hearing the session', () => {
  const occupancy = { counter: 'sessions', list: 'clients' };
  const declared = { counters: { sessions: 0 }, lists: { clients: [] } };

  it('allocates once when a client connects first, and lists each id the session counts, once', async () => {
    const { sdk, bus, up } = setUp({ occupancy, declared });
    up();
    await flush();
    bus.emit(CLIENT_CONNECTED_EVENT, { clientId: 'viewer-a' });
    bus.emit(CLIENT_CONNECTED_EVENT, { clientId: 'viewer-a' }); // said twice: one connection
    bus.emit(CLIENT_CONNECTED_EVENT); // without an id: counted, not listed
    for (let i = 0; i < 4; i++) await flush();
    bus.emit(CLIENT_DISCONNECTED_EVENT, { clientId: 'viewer-a' });
    bus.emit(CLIENT_DISCONNECTED_EVENT, { clientId: 'viewer-a' });
    for (let i = 0; i < 4; i++) await flush();
    expect(sdk.moves.filter((c) => !c.startsWith('label '))).toEqual(['gameserver', 'ready', 'allocate', 'counter sessions 1', 'list clients +viewer-a', 'list clients -viewer-a']);
  });

  it('counts a session begun by credentials, and uncounts it when it ends', async () => {
    const { sdk, session, up } = setUp({ occupancy, declared });
    up();
    await flush();
    session.setCredentials(SEED_CREDENTIALS);
    for (let i = 0; i < 3; i++) await flush();
    session.endSession({ gracefulShutdown: true });
    for (let i = 0; i < 3; i++) await flush();
    expect(sdk.moves.filter((c) => !c.startsWith('label '))).toEqual(['gameserver', 'ready', 'allocate', 'counter sessions 1', 'ready', 'counter sessions -1']);
  });
});

describe('the Agones adapter with a sidecar slow to answer labels', () => {
  it('sends Ready and Shutdown while a label is still unanswered', async () => {
    const { sdk, up, adapter } = setUp({ quit: true, slowLabels: true });
    await flush();
    expect(sdk.unansweredLabels).toBe(1);
    up();
    await flush();
    expect(sdk.moves).toContain('ready');
    await adapter.shutdown();
    expect(sdk.moves.at(-1)).toBe('shutdown');
    expect(sdk.unansweredLabels).toBe(1);
  });

  it('sends each label value once: one not answered in time is not sent again, one superseded is dropped', async () => {
    const { sdk, up, clock, adapter, warnings } = setUp({ slowLabels: true });
    await flush();
    up();
    await flush();
    for (let i = 0; i < 6; i++) {
      sdk.labelsTimeOut();
      await flush();
      clock.advanceSeconds(10);
      await flush();
    }
    const labels = sdk.moves.filter((c) => c.startsWith('label '));
    expect(labels).toEqual(['label readiness=APP_NOT_READY', 'label readiness=READY_FOR_CONNECTION']);
    expect(adapter.view()).toMatchObject({ state: 'Ready', pendingCalls: [] });
    expect(warnings.filter((w) => w.call === 'setlabel').map((w) => w.error)).toContain('PUT /metadata/label not answered within 3 s');
  });
});

describe('Agones label values', () => {
  it.each([
    ['READY_FOR_CONNECTION', 'READY_FOR_CONNECTION'],
    ['3f1c2a9e-8b7d-4c1e-9f00-1234567890ab', '3f1c2a9e-8b7d-4c1e-9f00-1234567890ab'],
    ['viewer 42/room#1', 'viewer_42_room_1'],
    ['--edge--', 'edge'],
    ['ünïcode', 'n_code'],
    ['', ''],
  ])('%j becomes %j', (text, value) => {
    expect(labelValue(text)).toBe(value);
  });

  it('are at most 63 characters and match the Kubernetes rule, whatever the text', () => {
    for (const text of ['x'.repeat(200), `${'a'.repeat(62)}-b`, '_'.repeat(70), `a${'.'.repeat(70)}b`]) {
      const value = labelValue(text);
      expect(value.length).toBeLessThanOrEqual(63);
      expect(value).toMatch(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/);
    }
  });
});

describe('whether the adapter is on', () => {
  it('follows the SDK port variables unless the setting says otherwise', () => {
    expect(agonesWanted(undefined, {})).toBe(false);
    expect(agonesWanted(undefined, { AGONES_SDK_HTTP_PORT: '9358' })).toBe(true);
    expect(agonesWanted(undefined, { AGONES_SDK_GRPC_PORT: '9357' })).toBe(true);
    expect(agonesWanted(false, { AGONES_SDK_HTTP_PORT: '9358' })).toBe(false);
    expect(agonesWanted(true, {})).toBe(true);
  });

  it('talks to the REST gateway on loopback, at the port Agones gives', () => {
    expect(sdkUrl({ AGONES_SDK_HTTP_PORT: '19358' })).toBe('http://127.0.0.1:19358');
    expect(sdkUrl({})).toBe('http://127.0.0.1:9358');
    expect(sdkUrl({ AGONES_SDK_HTTP_PORT: 'x' })).toBe('http://127.0.0.1:9358');
  });
});
