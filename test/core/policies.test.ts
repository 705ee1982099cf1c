import { describe, expect, it } from 'vitest';
import { createKitEventBus } from '../../src/core/bus.js';
import { FakeClock } from '../../src/core/clock.js';
import type { SessionEndedPayload } from '../../src/core/events.js';
import type { MachineSettings } from '../../src/core/machine.js';
import { policyClocks } from '../../src/core/policies.js';
import { Session } from '../../src/core/session.js';
import { CREDS, settingsWith } from './helpers.js';

const APP_READY = 'omni.kit.app.GLOBAL_EVENT_APP_READY';
const NEW_FRAME = 'omni.usd.StageRenderingEventType.NEW_FRAME';
const CLIENT_CONNECTED = 'omni.kit.livestream.client_connected:immediate';
const CLIENT_DISCONNECTED = 'omni.kit.livestream.client_disconnected:immediate';
const SESSION_ENDED = 'omni.services.livestream.session.ended';

const silent = { info() {}, warn() {}, error() {} };

/** A session on a fake clock with the streaming app up, recording what it dispatched and each quit. */
function live(overrides: Partial<MachineSettings>) {
  const bus = createKitEventBus();
  const clock = new FakeClock(5_000);
  const ended: SessionEndedPayload[] = [];
  const quits: number[] = [];
  bus.on(SESSION_ENDED, (payload) => ended.push(payload));
  const settings = settingsWith(overrides);
  const session = new Session({ settings, clock, bus, onQuit: (code) => quits.push(code), logger: silent });
  bus.emit(APP_READY);
  bus.emit(NEW_FRAME);
  const reason = () => session.readiness().reason;
  const left = () => policyClocks(session.state, settings, clock.now());
  return { bus, clock, session, ended, quits, reason, left, connect: () => bus.emit(CLIENT_CONNECTED), disconnect: () => bus.emit(CLIENT_DISCONNECTED) };
}

describe('maxSessionSeconds', () => {
  it('ends the session with cause MAX_SESSION_LENGTH exactly when it runs out, counted from the first client connection', () => {
    const s = live({ maxSessionSeconds: 60 });
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(20); // credentials do not start it
    s.connect();
    expect(s.left().sessionSecondsLeft).toBe(60);
    s.clock.advance(59_999);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('SESSION_ACTIVE');
    expect(s.left().sessionSecondsLeft).toBe(1);
    s.clock.advance(1);
    expect(s.ended).toEqual([{ sessionId: null, cause: 'MAX_SESSION_LENGTH' }]);
    expect(s.quits).toEqual([0]);
    expect(s.reason()).toBe('SESSION_ENDED');
    expect(s.left().sessionSecondsLeft).toBeNull();
  });

  it('is not restarted by more clients, nor by a client leaving and coming back', () => {
    const s = live({ maxSessionSeconds: 60 });
    s.connect();
    s.clock.advanceSeconds(30);
    s.disconnect();
    s.connect();
    s.connect();
    s.clock.advanceSeconds(30);
    expect(s.ended.map((e) => e.cause)).toEqual(['MAX_SESSION_LENGTH']);
  });

  it('ends the session while a resume window is open: the window does not extend it', () => {
    const s = live({ maxSessionSeconds: 60, resumeTimeoutSeconds: 300, endSessionOnResumeTimeout: true });
    s.connect();
    s.clock.advanceSeconds(50);
    s.disconnect();
    expect(s.session.endSession({ sessionId: 'sess-1' })).toBe('AWAITING_RESUME');
    s.clock.advance(9_999);
    expect(s.reason()).toBe('AWAITING_RESUME');
    s.clock.advance(1);
    expect(s.ended).toEqual([{ sessionId: 'sess-1', cause: 'MAX_SESSION_LENGTH' }]);
    // The resume timer went with it: nothing more when the window would have passed.
    s.clock.advanceSeconds(600);
    expect(s.ended).toHaveLength(1);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('is not extended by a resumed session either', () => {
    const s = live({ maxSessionSeconds: 60, quitOnSessionEnded: false });
    s.connect();
    s.disconnect();
    s.session.endSession();
    s.clock.advanceSeconds(20);
    s.connect(); // resumed
    s.clock.advanceSeconds(40);
    expect(s.ended.map((e) => e.cause)).toEqual(['MAX_SESSION_LENGTH']);
  });

  it('gives the next session a clock of its own when the service does not quit', () => {
    const s = live({ maxSessionSeconds: 60, quitOnSessionEnded: false });
    s.connect();
    s.clock.advanceSeconds(10);
    s.session.endSession({ gracefulShutdown: true });
    s.disconnect();
    s.clock.advanceSeconds(100);
    expect(s.ended.map((e) => e.cause)).toEqual(['GRACEFUL_SHUTDOWN']);
    s.connect(); // a new session begins
    s.clock.advance(59_999);
    expect(s.ended).toHaveLength(1);
    s.clock.advance(1);
    expect(s.ended.map((e) => e.cause)).toEqual(['GRACEFUL_SHUTDOWN', 'MAX_SESSION_LENGTH']);
    expect(s.reason()).toBe('WAITING_FOR_PREVIOUS_CLIENT');
    expect(s.quits).toEqual([]);
  });

  it('of 0 never ends a session, nor starts a timer', () => {
    const s = live({ maxSessionSeconds: 0 });
    s.connect();
    expect(s.clock.pendingTimers).toBe(0);
    s.clock.advanceSeconds(365 * 24 * 3600);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('SESSION_ACTIVE');
    expect(s.left().sessionSecondsLeft).toBeNull();
  });
});

describe('firstConnectionTimeoutSeconds', () => {
  it('ends a session no client connected to with cause NO_CLIENT_CONNECTED exactly when it runs out, counted from the credentials', () => {
    const s = live({ firstConnectionTimeoutSeconds: 120 });
    s.clock.advanceSeconds(500); // nothing counts before the credentials
    expect(s.ended).toEqual([]);
    s.session.setCredentials(CREDS);
    expect(s.left().firstConnectionSecondsLeft).toBe(120);
    s.clock.advance(119_999);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('READY_FOR_CONNECTION');
    s.clock.advance(1);
    expect(s.ended).toEqual([{ sessionId: null, cause: 'NO_CLIENT_CONNECTED' }]);
    expect(s.quits).toEqual([0]);
    expect(s.reason()).toBe('SESSION_ENDED');
  });

  it('is not restarted by the same credentials sent again', () => {
    const s = live({ firstConnectionTimeoutSeconds: 120 });
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(100);
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(20);
    expect(s.ended.map((e) => e.cause)).toEqual(['NO_CLIENT_CONNECTED']);
  });

  it('stops for good when a client connects one tick before it runs out', () => {
    const s = live({ firstConnectionTimeoutSeconds: 120 });
    s.session.setCredentials(CREDS);
    s.clock.advance(119_999);
    s.connect();
    expect(s.left().firstConnectionSecondsLeft).toBeNull();
    s.clock.advanceSeconds(3600);
    s.disconnect();
    s.clock.advanceSeconds(3600);
    expect(s.ended).toEqual([]);
    expect(s.reason()).toBe('READY_FOR_CONNECTION');
  });

  it('hands over to maxSessionSeconds when the first client connects', () => {
    const s = live({ firstConnectionTimeoutSeconds: 120, maxSessionSeconds: 60 });
    s.session.setCredentials(CREDS);
    s.clock.advanceSeconds(100);
    s.connect();
    expect(s.left()).toEqual({ sessionSecondsLeft: 60, firstConnectionSecondsLeft: null });
    s.clock.advanceSeconds(60);
    expect(s.ended.map((e) => e.cause)).toEqual(['MAX_SESSION_LENGTH']);
  });

  it('of 0 never ends a session, nor starts a timer', () => {
    const s = live({ firstConnectionTimeoutSeconds: 0 });
    s.session.setCredentials(CREDS);
    expect(s.clock.pendingTimers).toBe(0);
    s.clock.advanceSeconds(365 * 24 * 3600);
    expect(s.ended).toEqual([]);
    expect(s.left().firstConnectionSecondsLeft).toBeNull();
  });
});

describe('draining on SIGTERM or SIGINT', () => {
  it('answers 503 recycle-instance with reason SHUTTING_DOWN at once, and ends a live session with cause SHUTDOWN and the deadline', async () => {
    const s = live({ maxSessionSeconds: 60, resumeTimeoutSeconds: 30, endSessionOnResumeTimeout: true });
    s.connect();
    s.disconnect();
    s.session.endSession({ sessionId: 'sess-9' });
    const draining = s.session.drain(10);
    // At once, before the drain resolves.
    expect(s.session.readiness()).toEqual({ httpStatus: 503, statusMessage: 'Status: Streaming session ended (recycle instance)', reason: 'SHUTTING_DOWN' });
    expect(s.ended).toEqual([{ sessionId: 'sess-9', cause: 'SHUTDOWN', deadlineSeconds: 10 }]);
    await draining;
    // Its timers are gone, and nothing quits: the service is stopping already.
    expect(s.clock.pendingTimers).toBe(0);
    s.clock.advanceSeconds(600);
    expect(s.ended).toHaveLength(1);
    expect(s.quits).toEqual([]);
  });

  it('keeps answering SHUTTING_DOWN and dispatches nothing twice, whatever comes after', async () => {
    const s = live({});
    await s.session.drain();
    await s.session.drain();
    s.connect();
    s.session.setCredentials(CREDS);
    expect(s.session.endSession({ gracefulShutdown: true })).toBe('COMPLETE');
    expect(s.ended).toEqual([{ sessionId: null, cause: 'SHUTDOWN' }]);
    expect(s.reason()).toBe('SHUTTING_DOWN');
    expect(s.quits).toEqual([]);
  });

  it('dispatches nothing when the session has already ended', async () => {
    const s = live({ quitOnSessionEnded: false });
    s.session.endSession({ gracefulShutdown: true });
    await s.session.drain(10);
    expect(s.ended.map((e) => e.cause)).toEqual(['GRACEFUL_SHUTDOWN']);
    expect(s.reason()).toBe('SHUTTING_DOWN');
  });

  it('answers SHUTTING_DOWN even before the application is ready', async () => {
    const bus = createKitEventBus();
    const session = new Session({ settings: settingsWith(), clock: new FakeClock(), bus, onQuit() {}, logger: silent });
    expect(session.readiness().reason).toBe('APP_NOT_READY');
    await session.drain();
    expect(session.readiness().reason).toBe('SHUTTING_DOWN');
  });
});
