import { describe, it, expect, vi } from 'vitest';
import { createKitEventBus, type KitEventBus } from '../../src/core/bus.js';
import { FakeClock } from '../../src/core/clock.js';
import { Session } from '../../src/core/session.js';
import type { MachineSettings } from '../../src/core/machine.js';
import type { Readiness } from '../../src/core/readiness.js';
import type { SessionEndedPayload } from '../../src/core/events.js';
import type { StreamingCredentials, StreamingCredentialsRequest } from '../../generated/types.gen.js';
import { CREDS, settingsWith } from './helpers.js';

// Event names exactly as BEHAVIOUR.md writes them.
const APP_READY = 'omni.kit.app.GLOBAL_EVENT_APP_READY';
const NEW_FRAME = 'omni.usd.StageRenderingEventType.NEW_FRAME';
const SESSION_READY = 'omni.services.livestream.session.ready';
const CLIENT_CONNECTED = 'omni.kit.livestream.client_connected:immediate';
const CLIENT_DISCONNECTED = 'omni.kit.livestream.client_disconnected:immediate';
const SESSION_ENDED = 'omni.services.livestream.session.ended';
const STUN_CREDENTIALS = 'omni.services.livestream.session.stun_credentials';
const LISTENED = [APP_READY, NEW_FRAME, SESSION_READY, CLIENT_CONNECTED, CLIENT_DISCONNECTED] as const;

const silent = { info() {}, warn() {}, error() {} };

interface Harness {
  bus: KitEventBus;
  clock: FakeClock;
  session: Session;
  onQuit: ReturnType<typeof vi.fn<(exitCode: number) => void>>;
  ended: SessionEndedPayload[];
  creds: StreamingCredentials[];
  /** Everything seen in order: dispatched events and quits. */
  log: string[];
  /** Emits app-ready and a first frame on the bus. */
  up(): void;
}

function harness(overrides: Partial<MachineSettings> = {}, configure?: (bus: KitEventBus) => void): Harness {
  const bus = createKitEventBus();
  const clock = new FakeClock(1_000);
  const log: string[] = [];
  const ended: SessionEndedPayload[] = [];
  const creds: StreamingCredentials[] = [];
  bus.on(SESSION_ENDED, (payload) => {
    ended.push(payload);
    log.push(`ended:${payload.cause}`);
  });
  bus.on(STUN_CREDENTIALS, (payload) => {
    creds.push(payload);
    log.push('credentials');
  });
  configure?.(bus);
  const onQuit = vi.fn((exitCode: number) => {
    log.push(`quit:${exitCode}`);
  });
  const session = new Session({ settings: settingsWith(overrides), clock, bus, onQuit, logger: silent });
  return {
    bus,
    clock,
    session,
    onQuit,
    ended,
    creds,
    log,
    up() {
      bus.emit(APP_READY, {});
      bus.emit(NEW_FRAME, {});
    },
  };
}

const message = (r: Readiness) => r.statusMessage;
const secondsLeft = (r: Readiness) => ('resumeSecondsLeft' in r ? r.resumeSecondsLeft : undefined);

describe('Kit events on the bus', () => {
  it('drive readiness through app-ready, first frame, client connect and disconnect', () => {
    const { bus, session } = harness();
    const seen = [message(session.readiness())];
    bus.emit(APP_READY, {});
    seen.push(message(session.readiness()));
    bus.emit(NEW_FRAME, { frame: 1 });
    seen.push(message(session.readiness()));
    bus.emit(CLIENT_CONNECTED, {});
    seen.push(message(session.readiness()));
    bus.emit(CLIENT_DISCONNECTED, {});
    seen.push(message(session.readiness()));
    expect(seen).toEqual([
      'Status: App not ready',
      'Status: Rtx not ready',
      'Status: Ready for connection',
      'Status: Streaming session active (keep alive)',
      'Status: Ready for connection',
    ]);
  });

  it('drive the session-ready row when waitForSessionReadyEvent is set', () => {
    const { bus, session, up } = harness({ waitForSessionReadyEvent: true });
    up();
    expect(session.readiness()).toMatchObject({ statusMessage: 'Status: Session ready event not received', httpStatus: 503 });
    bus.emit(SESSION_READY, {});
    expect(session.readiness()).toMatchObject({ statusMessage: 'Status: Ready for connection', httpStatus: 200 });
  });

  it('subscribe to exactly the five listened-for events', () => {
    const { bus } = harness();
    for (const name of LISTENED) expect(bus.listenerCount(name)).toBe(1);
  });
});

describe('ending a session through the shell', () => {
  it('dispatches omni.services.livestream.session.ended on the bus with { sessionId, cause }', () => {
    const { session, ended, up } = harness({ quitOnSessionEnded: false });
    up();
    expect(session.endSession({ sessionId: 'session-1', gracefulShutdown: true })).toBe('COMPLETE');
    expect(ended).toEqual([{ sessionId: 'session-1', cause: 'GRACEFUL_SHUTDOWN' }]);
  });

  it('treats a missing or null gracefulShutdown as not graceful and opens the resume window', () => {
    const { session, ended, up } = harness();
    up();
    expect(session.endSession()).toBe('AWAITING_RESUME');
    expect(session.endSession({ gracefulShutdown: null, sessionId: null })).toBe('AWAITING_RESUME');
    expect(ended).toEqual([]);
    expect(session.readiness()).toMatchObject({ statusMessage: 'Status: Awaiting session resume (keep alive)', resumeSecondsLeft: 30 });
  });

  it('calls onQuit once with 0, after dispatching ended, when quitOnSessionEnded is set', () => {
    const { session, onQuit, log, up } = harness({ quitOnSessionEnded: true });
    up();
    session.endSession({ gracefulShutdown: true });
    session.endSession({ gracefulShutdown: true });
    session.endSession({ gracefulShutdown: false });
    expect(onQuit).toHaveBeenCalledTimes(1);
    expect(onQuit).toHaveBeenCalledWith(0);
    expect(log).toEqual(['ended:GRACEFUL_SHUTDOWN', 'quit:0']);
    expect(session.readiness().statusMessage).toBe('Status: Streaming session ended (recycle instance)');
  });

  it('never calls onQuit without quitOnSessionEnded', () => {
    const { session, onQuit, ended, up, clock, bus } = harness({ quitOnSessionEnded: false });
    up();
    bus.emit(CLIENT_CONNECTED, {});
    session.endSession({ gracefulShutdown: true });
    bus.emit(CLIENT_DISCONNECTED, {});
    session.setCredentials(CREDS); // a new session
    session.endSession({});
    clock.advanceSeconds(31);
    session.endSession({});
    expect(onQuit).not.toHaveBeenCalled();
    expect(ended).toHaveLength(2);
  });

  it('dispatches ended only once when an ended session is ended again', () => {
    const { session, ended, up } = harness({ quitOnSessionEnded: false });
    up();
    session.endSession({ gracefulShutdown: true });
    expect(session.endSession({ gracefulShutdown: true })).toBe('COMPLETE');
    expect(session.endSession({ gracefulShutdown: false })).toBe('COMPLETE');
    expect(ended).toHaveLength(1);
  });

  it('dispatches ended again for a new session begun by credentials (without quit)', () => {
    const { session, ended, up } = harness({ quitOnSessionEnded: false });
    up();
    session.endSession({ gracefulShutdown: true, sessionId: 'a' });
    session.setCredentials(CREDS);
    session.endSession({ gracefulShutdown: true, sessionId: 'b' });
    expect(ended.map((e) => e.sessionId)).toEqual(['a', 'b']);
  });
});

describe('credentials through the shell', () => {
  it('arrive on the bus as omni.services.livestream.session.stun_credentials with the credentials as payload', () => {
    const { session, creds } = harness();
    session.setCredentials(CREDS);
    expect(creds).toEqual([CREDS]);
  });

  it('are kept: session.credentials holds the latest', () => {
    const { session } = harness();
    expect(session.credentials).toBeUndefined();
    session.setCredentials(CREDS);
    expect(session.credentials).toEqual(CREDS);
    const next = { ...CREDS, username: 'other', turnDetails: undefined };
    session.setCredentials(next);
    expect(session.credentials).toEqual(next);
  });

  it('arrive as the application expects them: nulls gone, ports as integers, unknown fields kept', () => {
    const { session, creds } = harness();
    expect(session.setCredentials({ ...CREDS, stunPort: '3478', privateSharedPort: null, region: 'eu' } as StreamingCredentialsRequest)).toEqual({ accepted: true, credentials: expect.anything() });
    const { privateSharedPort: _, ...rest } = CREDS;
    expect(creds).toStrictEqual([{ ...rest, stunPort: 3478, region: 'eu' }]);
    expect(session.credentials).toStrictEqual(creds[0]);
  });

  it('are refused whole when a WebRTC stack would refuse them: nothing is dispatched and the previous ones stay', () => {
    const { session, creds } = harness();
    session.setCredentials(CREDS);
    const outcome = session.setCredentials({ ...CREDS, turnDetails: { ...CREDS.turnDetails!, uris: ['turn:1.2.3.4:99999'] } });
    expect(outcome).toEqual({ accepted: false, problems: [{ path: '/turnDetails/uris/0', message: expect.any(String) }] });
    expect(creds).toEqual([CREDS]);
    expect(session.credentials).toEqual(CREDS);
    expect(session.state.credentialsReceived).toBe(true);
  });

  it('refused before any came, leave the session without credentials', () => {
    const { session, creds } = harness();
    expect(session.setCredentials({ ...CREDS, stunIp: 'a b' }).accepted).toBe(false);
    expect(creds).toEqual([]);
    expect(session.credentials).toBeUndefined();
    expect(session.state.credentialsReceived).toBe(false);
  });
});

describe('the resume window without the opt-in timer (default)', () => {
  it('starts no timer and does not end by itself when the window runs out', () => {
    const { session, clock, ended, onQuit, up, bus } = harness();
    up();
    bus.emit(CLIENT_CONNECTED, {});
    bus.emit(CLIENT_DISCONNECTED, {});
    session.endSession({ gracefulShutdown: false });
    expect(clock.pendingTimers).toBe(0);
    clock.advanceSeconds(300);
    expect(ended).toEqual([]);
    expect(onQuit).not.toHaveBeenCalled();
    expect(session.readiness()).toMatchObject({ statusMessage: 'Status: Awaiting session resume (keep alive)', resumeSecondsLeft: 0 });
  });

  it('ends on the next endsession once the window has passed (NVCF polling)', () => {
    const { session, clock, ended, onQuit, up } = harness();
    up();
    expect(session.endSession({ sessionId: 's' })).toBe('AWAITING_RESUME');
    clock.advanceSeconds(15);
    expect(session.endSession({ sessionId: 's' })).toBe('AWAITING_RESUME');
    expect(secondsLeft(session.readiness())).toBe(15);
    clock.advanceSeconds(15);
    expect(session.endSession({ sessionId: 's' })).toBe('COMPLETE');
    expect(ended).toEqual([{ sessionId: 's', cause: 'RESUME_TIMEOUT' }]);
    expect(onQuit).toHaveBeenCalledWith(0);
  });
});

describe('the opt-in resume timer (endSessionOnResumeTimeout)', () => {
  it('ends the session when the clock passes the resume window', () => {
    const { session, clock, ended, onQuit, up } = harness({ endSessionOnResumeTimeout: true });
    up();
    expect(session.endSession({ sessionId: 's' })).toBe('AWAITING_RESUME');
    expect(clock.pendingTimers).toBe(1);
    clock.advance(29_999);
    expect(ended).toEqual([]);
    expect(secondsLeft(session.readiness())).toBe(1);
    clock.advance(1);
    expect(ended).toEqual([{ sessionId: 's', cause: 'RESUME_TIMEOUT' }]);
    expect(onQuit).toHaveBeenCalledTimes(1);
    expect(onQuit).toHaveBeenCalledWith(0);
    expect(clock.pendingTimers).toBe(0);
    expect(session.readiness().statusMessage).toBe('Status: Streaming session ended (recycle instance)');
  });

  it('does not start a second timer on repeated endsession calls', () => {
    const { session, clock, ended, up } = harness({ endSessionOnResumeTimeout: true, quitOnSessionEnded: false });
    up();
    session.endSession();
    clock.advanceSeconds(10);
    session.endSession();
    expect(clock.pendingTimers).toBe(1);
    clock.advanceSeconds(20);
    expect(ended).toHaveLength(1);
    clock.advanceSeconds(60);
    expect(ended).toHaveLength(1);
  });

  it('is cancelled when a client resumes the session', () => {
    const { session, clock, ended, bus, up } = harness({ endSessionOnResumeTimeout: true });
    up();
    session.endSession();
    clock.advanceSeconds(10);
    bus.emit(CLIENT_CONNECTED, {});
    expect(clock.pendingTimers).toBe(0);
    clock.advanceSeconds(60);
    expect(ended).toEqual([]);
    expect(session.readiness().statusMessage).toBe('Status: Streaming session active (keep alive)');
  });

  it('is cancelled when the session ends gracefully during the window', () => {
    const { session, clock, ended, onQuit, up } = harness({ endSessionOnResumeTimeout: true });
    up();
    session.endSession();
    session.endSession({ gracefulShutdown: true });
    expect(clock.pendingTimers).toBe(0);
    clock.advanceSeconds(60);
    expect(ended.map((e) => e.cause)).toEqual(['GRACEFUL_SHUTDOWN']);
    expect(onQuit).toHaveBeenCalledTimes(1);
  });

  it('lets a later session open and time out a new window (without quit)', () => {
    const { session, clock, ended, bus, up } = harness({ endSessionOnResumeTimeout: true, quitOnSessionEnded: false });
    up();
    session.endSession();
    clock.advanceSeconds(30);
    bus.emit(CLIENT_CONNECTED, {});
    bus.emit(CLIENT_DISCONNECTED, {});
    session.endSession();
    expect(clock.pendingTimers).toBe(1);
    clock.advanceSeconds(30);
    expect(ended.map((e) => e.cause)).toEqual(['RESUME_TIMEOUT', 'RESUME_TIMEOUT']);
  });
});

describe('readiness-change listeners', () => {
  it('are called only when the readiness reason changes', () => {
    const { session, bus, clock } = harness({ quitOnSessionEnded: false });
    const calls: string[] = [];
    session.onReadinessChange((r) => calls.push(r.statusMessage));
    bus.emit(APP_READY, {});
    bus.emit(APP_READY, {});
    bus.emit(NEW_FRAME, {});
    bus.emit(NEW_FRAME, {});
    session.setCredentials(CREDS);
    bus.emit(CLIENT_CONNECTED, {});
    bus.emit(CLIENT_CONNECTED, {});
    bus.emit(CLIENT_DISCONNECTED, {});
    bus.emit(CLIENT_DISCONNECTED, {});
    session.endSession();
    clock.advanceSeconds(5);
    session.endSession();
    clock.advanceSeconds(5);
    session.endSession({ gracefulShutdown: true });
    expect(calls).toEqual([
      'Status: Rtx not ready',
      'Status: Ready for connection',
      'Status: Streaming session active (keep alive)',
      'Status: Ready for connection',
      'Status: Awaiting session resume (keep alive)',
      'Status: Ready for connection',
    ]);
  });

  it('receive a readiness equal to what readiness() answers right then', () => {
    const { session, bus } = harness();
    const seen: Array<[Readiness, Readiness]> = [];
    session.onReadinessChange((r) => seen.push([r, session.readiness()]));
    bus.emit(APP_READY, {});
    bus.emit(NEW_FRAME, {});
    bus.emit(CLIENT_CONNECTED, {});
    expect(seen).toHaveLength(3);
    for (const [given, asked] of seen) expect(given).toEqual(asked);
  });

  it('are called when the opt-in timer ends the session', () => {
    const { session, clock, up } = harness({ endSessionOnResumeTimeout: true });
    up();
    session.endSession();
    const calls: string[] = [];
    session.onReadinessChange((r) => calls.push(r.statusMessage));
    clock.advanceSeconds(30);
    expect(calls).toEqual(['Status: Streaming session ended (recycle instance)']);
  });

  it('stop being called once unsubscribed', () => {
    const { session, bus } = harness();
    const listener = vi.fn();
    const off = session.onReadinessChange(listener);
    bus.emit(APP_READY, {});
    off();
    bus.emit(NEW_FRAME, {});
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('that throw are logged and stop neither the listeners after them nor the step', () => {
    const bus = createKitEventBus();
    const errors: string[] = [];
    const logger = { ...silent, error: (_obj: object, msg?: string) => void errors.push(msg ?? '') };
    const session = new Session({ settings: settingsWith({ quitOnSessionEnded: false }), clock: new FakeClock(0), bus, onQuit: () => {}, logger });
    const after: string[] = [];
    const steps: string[] = [];
    session.onReadinessChange(() => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    session.onReadinessChange((r) => after.push(r.reason));
    session.onStep(() => {
      throw new Error('a step listener failed');
    });
    session.onStep(({ input }) => steps.push(input.type));
    bus.emit(APP_READY, {});
    bus.emit(NEW_FRAME, {});
    expect(session.endSession({ gracefulShutdown: true })).toBe('COMPLETE');
    expect(after).toEqual(['RTX_NOT_READY', 'READY_FOR_CONNECTION']);
    expect(steps).toEqual(['appReady', 'newFrame', 'endSession']);
    expect(errors).toContain('readiness listener failed');
    expect(errors).toContain('step listener failed');
  });
});

describe('a handler that re-enters the session', () => {
  it('on ended, emitting omni.services.livestream.session.ready (the seed example) leaves a consistent state', () => {
    const { session, bus, ended, log, up } = harness({ waitForSessionReadyEvent: true, quitOnSessionEnded: false }, (b) =>
      b.on(SESSION_ENDED, () => b.emit(SESSION_READY, {})),
    );
    const calls: string[] = [];
    session.onReadinessChange((r) => calls.push(r.statusMessage));
    up();
    bus.emit(SESSION_READY, {});
    bus.emit(CLIENT_CONNECTED, {});
    bus.emit(CLIENT_DISCONNECTED, {});
    expect(session.endSession({ gracefulShutdown: true, sessionId: 's' })).toBe('COMPLETE');
    expect(ended).toEqual([{ sessionId: 's', cause: 'GRACEFUL_SHUTDOWN' }]);
    expect(log).toEqual(['ended:GRACEFUL_SHUTDOWN']);
    expect(session.state.sessionReadyEventReceived).toBe(true);
    expect(session.state.phase).toEqual({ name: 'ended' });
    expect(session.readiness()).toMatchObject({ statusMessage: 'Status: Ready for connection', httpStatus: 200 });
    // The last reported readiness is the current one.
    expect(calls[calls.length - 1]).toBe(session.readiness().statusMessage);
  });

  it('on ended with quitOnSessionEnded, still quits once and ends in the recycle row', () => {
    const { session, onQuit, ended, log, up } = harness({ waitForSessionReadyEvent: true, quitOnSessionEnded: true }, (b) =>
      b.on(SESSION_ENDED, () => b.emit(SESSION_READY, {})),
    );
    const calls: string[] = [];
    session.onReadinessChange((r) => calls.push(r.statusMessage));
    up();
    session.endSession({ gracefulShutdown: true });
    expect(ended).toHaveLength(1);
    expect(onQuit).toHaveBeenCalledTimes(1);
    expect(log).toEqual(['ended:GRACEFUL_SHUTDOWN', 'quit:0']);
    expect(session.readiness().statusMessage).toBe('Status: Streaming session ended (recycle instance)');
    expect(calls[calls.length - 1]).toBe(session.readiness().statusMessage);
  });

  it('on ended, calling endSession again answers COMPLETE and dispatches nothing twice', () => {
    let inner: string | undefined;
    const h = harness({ quitOnSessionEnded: true }, (b) =>
      b.on(SESSION_ENDED, () => {
        inner = h.session.endSession({ gracefulShutdown: true });
      }),
    );
    h.up();
    h.session.endSession({ gracefulShutdown: true });
    expect(inner).toBe('COMPLETE');
    expect(h.ended).toHaveLength(1);
    expect(h.onQuit).toHaveBeenCalledTimes(1);
  });
});

describe('a readiness listener that re-enters the session', () => {
  it('ending the session as soon as the window opens leaves no resume timer pending', () => {
    const { session, clock, ended, onQuit, up } = harness({ endSessionOnResumeTimeout: true });
    up();
    session.onReadinessChange((r) => {
      if (r.reason === 'AWAITING_RESUME') session.endSession({ gracefulShutdown: true });
    });
    expect(session.endSession()).toBe('AWAITING_RESUME');
    expect(ended.map((e) => e.cause)).toEqual(['GRACEFUL_SHUTDOWN']);
    expect(onQuit).toHaveBeenCalledTimes(1);
    expect(session.state.phase).toEqual({ name: 'recycling', because: 'quitting' });
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('dispose()', () => {
  it('unsubscribes from the bus', () => {
    const { session, bus } = harness();
    session.dispose();
    for (const name of LISTENED) expect(bus.listenerCount(name)).toBe(0);
    bus.emit(APP_READY, {});
    bus.emit(NEW_FRAME, {});
    expect(session.readiness().statusMessage).toBe('Status: App not ready');
  });

  it('cancels the resume timer', () => {
    const { session, clock, ended, onQuit, up } = harness({ endSessionOnResumeTimeout: true });
    up();
    session.endSession();
    expect(clock.pendingTimers).toBe(1);
    session.dispose();
    expect(clock.pendingTimers).toBe(0);
    clock.advanceSeconds(60);
    expect(ended).toEqual([]);
    expect(onQuit).not.toHaveBeenCalled();
  });

  it('drops readiness-change listeners', () => {
    const { session, bus } = harness();
    const listener = vi.fn();
    session.onReadinessChange(listener);
    session.dispose();
    bus.emit(APP_READY, {});
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('the credentials log line', () => {
  it('is info for new credentials and debug for the same ones again; both are dispatched', () => {
    const lines: Array<[string, object, string | undefined]> = [];
    const logger = {
      info: (obj: object, msg?: string) => lines.push(['info', obj, msg]),
      debug: (obj: object, msg?: string) => lines.push(['debug', obj, msg]),
      warn() {},
      error() {},
    };
    const bus = createKitEventBus();
    const dispatched: StreamingCredentials[] = [];
    bus.on(STUN_CREDENTIALS, (c) => dispatched.push(c));
    const session = new Session({ settings: settingsWith(), clock: new FakeClock(), bus, logger, onQuit: () => {} });
    session.setCredentials(CREDS);
    session.setCredentials({ ...CREDS });
    session.setCredentials({ ...CREDS, password: 'another' });
    expect(dispatched).toHaveLength(3);
    expect(lines.filter(([, , msg]) => msg === 'credentials received').map(([level, obj]) => [level, (obj as { unchanged: boolean }).unchanged])).toEqual([
      ['info', false],
      ['debug', true],
      ['info', false],
    ]);
    expect(JSON.stringify(lines)).not.toContain('another');
  });
});
