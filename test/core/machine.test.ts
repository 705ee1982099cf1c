import { describe, it, expect } from 'vitest';
import { INITIAL_STATE, step, type Effect, type SessionInput, type SessionState } from '../../src/core/machine.js';
import {
  CREDS,
  DEFAULTS,
  UP,
  appExited,
  appReady,
  at,
  connect,
  connectAs,
  credentials,
  deepFreeze,
  disconnect,
  disconnectAs,
  endSession,
  firstConnectionFired,
  idleFired,
  maxSessionFired,
  newFrame,
  run,
  sessionReady,
  settingsWith,
  shutdown,
  timerFired,
  userInput,
} from './helpers.js';

const ENDED = 'omni.services.livestream.session.ended';
const STUN_CREDENTIALS = 'omni.services.livestream.session.stun_credentials';

const NO_QUIT = settingsWith({ quitOnSessionEnded: false });
const OPT_IN_TIMER = settingsWith({ endSessionOnResumeTimeout: true });
const IDLE = settingsWith({ idleTimeoutSeconds: 60, idleWarningSeconds: 10, quitOnSessionEnded: false });

const endedEffects = (effects: readonly Effect[]) => effects.filter((e) => e.type === 'dispatchEnded');
const effectTypes = (effects: readonly Effect[]) => effects.map((e) => ('timer' in e ? `${e.type}:${e.timer}` : e.type));

describe('endsession, rule 1: gracefulShutdown true', () => {
  it('ends the session now and answers COMPLETE', () => {
    const { last } = run([...UP, connect, endSession(true, 'session-1')]);
    expect(last.sessionStatus).toBe('COMPLETE');
    expect(endedEffects(last.effects)).toEqual([
      { type: 'dispatchEnded', event: ENDED, payload: { sessionId: 'session-1', cause: 'GRACEFUL_SHUTDOWN' } },
    ]);
  });

  it('ends the session now even while the resume window is open and has not passed', () => {
    const { last, state } = run([...UP, at(0), endSession(false), at(1_000), endSession(true)]);
    expect(last.sessionStatus).toBe('COMPLETE');
    expect(endedEffects(last.effects)).toHaveLength(1);
    expect(endedEffects(last.effects)[0]).toMatchObject({ payload: { cause: 'GRACEFUL_SHUTDOWN' } });
    expect(state.phase.name).toBe('recycling');
  });

  it('ends the session now even when resumeTimeoutSeconds is 0 (cause GRACEFUL_SHUTDOWN, not RESUME_DISABLED)', () => {
    const { last } = run([...UP, endSession(true)], settingsWith({ resumeTimeoutSeconds: 0 }));
    expect(last.sessionStatus).toBe('COMPLETE');
    expect(endedEffects(last.effects)[0]).toMatchObject({ payload: { cause: 'GRACEFUL_SHUTDOWN' } });
  });
});

describe('endsession, rule 2: a resume window is open', () => {
  it('answers AWAITING_RESUME and ends nothing while the window has not passed', () => {
    const { last, state } = run([...UP, at(5_000), endSession(false), at(20_000), endSession(false)]);
    expect(last.sessionStatus).toBe('AWAITING_RESUME');
    expect(last.effects).toEqual([]);
    expect(state.phase).toEqual({ name: 'awaitingResume', openedAt: 5_000 });
  });

  it('ends the session when the resume window has passed', () => {
    const { last, state } = run([...UP, at(0), endSession(false, 'session-1'), at(45_000), endSession(false)]);
    expect(last.sessionStatus).toBe('COMPLETE');
    expect(endedEffects(last.effects)).toEqual([
      { type: 'dispatchEnded', event: ENDED, payload: { sessionId: 'session-1', cause: 'RESUME_TIMEOUT' } },
    ]);
    expect(state.phase.name).toBe('recycling');
  });

  it('counts the window as passed at exactly resumeTimeoutSeconds after it opened', () => {
    const { last } = run([...UP, at(1_000), endSession(false), at(31_000), endSession(false)]);
    expect(last.sessionStatus).toBe('COMPLETE');
    expect(endedEffects(last.effects)[0]).toMatchObject({ payload: { cause: 'RESUME_TIMEOUT' } });
  });

  it('does not count the window as passed one millisecond before resumeTimeoutSeconds', () => {
    const { last } = run([...UP, at(1_000), endSession(false), at(30_999), endSession(false)]);
    expect(last.sessionStatus).toBe('AWAITING_RESUME');
    expect(last.effects).toEqual([]);
  });

  it('uses the configured resumeTimeoutSeconds for the boundary', () => {
    const settings = settingsWith({ resumeTimeoutSeconds: 5 });
    expect(run([...UP, at(0), endSession(false), at(4_999), endSession(false)], settings).last.sessionStatus).toBe('AWAITING_RESUME');
    expect(run([...UP, at(0), endSession(false), at(5_000), endSession(false)], settings).last.sessionStatus).toBe('COMPLETE');
  });

  it('does not restart the window on repeated calls', () => {
    const { steps, state } = run([
      ...UP,
      at(0),
      endSession(false),
      at(10_000),
      endSession(false),
      at(20_000),
      endSession(false),
      at(29_999),
      endSession(false),
      at(30_000),
      endSession(false),
    ]);
    const answers = steps.filter((s) => s.sessionStatus !== undefined).map((s) => s.sessionStatus);
    expect(answers).toEqual(['AWAITING_RESUME', 'AWAITING_RESUME', 'AWAITING_RESUME', 'AWAITING_RESUME', 'COMPLETE']);
    expect(state.phase.name).toBe('recycling');
  });

  it('keeps the window opened at the first call while repeated calls come in', () => {
    const { state } = run([...UP, at(2_000), endSession(false), at(12_000), endSession(false), at(22_000), endSession(false)]);
    expect(state.phase).toEqual({ name: 'awaitingResume', openedAt: 2_000 });
  });
});

describe('endsession, rule 3: no window open and resumeTimeoutSeconds > 0', () => {
  it('opens the resume window now and answers AWAITING_RESUME without ending anything', () => {
    const { last, state } = run([...UP, connect, disconnect, at(7_000), endSession(false, 'session-1')]);
    expect(last.sessionStatus).toBe('AWAITING_RESUME');
    expect(endedEffects(last.effects)).toEqual([]);
    expect(effectTypes(last.effects)).not.toContain('quit');
    expect(state.phase).toEqual({ name: 'awaitingResume', openedAt: 7_000 });
  });

  it('opens the window when gracefulShutdown is left out (request treated as not graceful)', () => {
    // The shell maps a missing gracefulShutdown to false; the machine sees false.
    const { last } = run([...UP, endSession(false)]);
    expect(last.sessionStatus).toBe('AWAITING_RESUME');
  });

  it('opens a window with resumeTimeoutSeconds 1', () => {
    const { last, state } = run([...UP, at(3), endSession(false)], settingsWith({ resumeTimeoutSeconds: 1 }));
    expect(last.sessionStatus).toBe('AWAITING_RESUME');
    expect(state.phase).toEqual({ name: 'awaitingResume', openedAt: 3 });
  });
});

describe('endsession, rule 4: resumeTimeoutSeconds is 0', () => {
  it('ends the session now and answers COMPLETE with cause RESUME_DISABLED', () => {
    const { last, state } = run([...UP, connect, disconnect, endSession(false, 'session-1')], settingsWith({ resumeTimeoutSeconds: 0 }));
    expect(last.sessionStatus).toBe('COMPLETE');
    expect(endedEffects(last.effects)).toEqual([
      { type: 'dispatchEnded', event: ENDED, payload: { sessionId: 'session-1', cause: 'RESUME_DISABLED' } },
    ]);
    expect(state.phase.name).toBe('recycling');
  });
});

describe('the sessionId in the ended payload', () => {
  it('is null when no sessionId was ever given', () => {
    const { last } = run([...UP, endSession(true)]);
    expect(endedEffects(last.effects)[0]).toMatchObject({ payload: { sessionId: null } });
  });

  it('is the last non-null sessionId given to endsession, even by an earlier call', () => {
    const { last } = run([...UP, at(0), endSession(false, 'first'), at(1_000), endSession(false, 'second'), at(2_000), endSession(true, null)]);
    expect(endedEffects(last.effects)[0]).toMatchObject({ payload: { sessionId: 'second', cause: 'GRACEFUL_SHUTDOWN' } });
  });
});

describe('resuming', () => {
  it('closes the resume window when a client connects (the session is resumed)', () => {
    const { state, last } = run([...UP, connect, disconnect, at(0), endSession(false), at(10_000), connect]);
    expect(state.phase).toEqual({ name: 'open' });
    expect(state.clients).toBe(1);
    expect(endedEffects(last.effects)).toEqual([]);
  });

  it('opens a fresh window on the next endsession after a resume, instead of ending by the old one', () => {
    const { last, state } = run([
      ...UP,
      at(0),
      endSession(false),
      at(10_000),
      connect,
      disconnect,
      at(40_000), // 40 s after the first window opened
      endSession(false),
    ]);
    expect(last.sessionStatus).toBe('AWAITING_RESUME');
    expect(endedEffects(last.effects)).toEqual([]);
    expect(state.phase).toEqual({ name: 'awaitingResume', openedAt: 40_000 });
  });

  it('does not open a window when a client disconnects: only endsession does', () => {
    const { state, last } = run([...UP, connect, at(1_000), disconnect]);
    expect(state.phase).toEqual({ name: 'open' });
    expect(last.effects).toEqual([]);
  });

  it('does not end the session by itself after a disconnect, however long it waits', () => {
    const { steps } = run([...UP, connect, at(1_000), disconnect, at(3_600_000), appReady]);
    expect(steps.flatMap((s) => s.effects)).toEqual([]);
  });
});

describe('ending a session', () => {
  it('closes the resume window and forgets the session-ready event', () => {
    const { state } = run([...UP, sessionReady, connect, disconnect, at(0), endSession(false), at(1_000), endSession(true)], NO_QUIT);
    expect(state.phase.name).toBe('ended');
    expect(state.sessionReadyEventReceived).toBe(false);
  });

  it('forgets the session-ready event also when quitting', () => {
    const { state } = run([...UP, sessionReady, endSession(true)]);
    expect(state.phase.name).toBe('recycling');
    expect(state.sessionReadyEventReceived).toBe(false);
  });

  it('dispatches omni.services.livestream.session.ended with { sessionId, cause }', () => {
    const { last } = run([...UP, endSession(true, 'abc')], NO_QUIT);
    const ended = endedEffects(last.effects);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toEqual({ type: 'dispatchEnded', event: ENDED, payload: { sessionId: 'abc', cause: 'GRACEFUL_SHUTDOWN' } });
  });

  it('asks to quit with exit code 0 when quitOnSessionEnded is set, as the last effect', () => {
    const { last } = run([...UP, connect, at(0), endSession(false), at(30_000), endSession(false)], OPT_IN_TIMER);
    expect(last.effects.length).toBeGreaterThanOrEqual(2);
    expect(last.effects[last.effects.length - 1]).toEqual({ type: 'quit', exitCode: 0 });
    expect(effectTypes(last.effects).filter((t) => t === 'quit')).toHaveLength(1);
    expect(effectTypes(last.effects).indexOf('dispatchEnded')).toBeLessThan(effectTypes(last.effects).indexOf('quit'));
  });

  it('does not ask to quit when quitOnSessionEnded is false', () => {
    for (const script of [
      [...UP, endSession(true)],
      [...UP, at(0), endSession(false), at(30_000), endSession(false)],
    ]) {
      const { last, state } = run(script, NO_QUIT);
      expect(effectTypes(last.effects)).not.toContain('quit');
      expect(endedEffects(last.effects)).toHaveLength(1);
      expect(state.phase).toEqual({ name: 'ended' });
    }
    const disabled = run([...UP, endSession(false)], settingsWith({ quitOnSessionEnded: false, resumeTimeoutSeconds: 0 }));
    expect(effectTypes(disabled.last.effects)).not.toContain('quit');
  });

  it('marks the previous client as still connected when ending without quit while a client is connected', () => {
    expect(run([...UP, connect, endSession(true)], NO_QUIT).state.previousClientConnected).toBe(true);
    expect(run([...UP, endSession(true)], NO_QUIT).state.previousClientConnected).toBe(false);
  });
});

describe('ending an already-ended session', () => {
  it.each([
    ['with quitOnSessionEnded', DEFAULTS],
    ['without quitOnSessionEnded', NO_QUIT],
  ])('answers COMPLETE again and dispatches nothing (%s)', (_label, settings) => {
    const first = run([...UP, endSession(true, 'one')], settings);
    for (const again of [endSession(true), endSession(false), endSession(true, 'two'), endSession(false, 'two')]) {
      const { last, state } = run([at(100_000), again], settings, first.state);
      expect(last.sessionStatus).toBe('COMPLETE');
      expect(last.effects).toEqual([]);
      expect(state.phase).toEqual(first.state.phase);
    }
  });

  it('answers COMPLETE and dispatches nothing after a session ended by its resume window (without quit)', () => {
    const { steps } = run([...UP, at(0), endSession(false), at(30_000), endSession(false), at(31_000), endSession(false), endSession(true)], NO_QUIT);
    const tail = steps.slice(-2);
    expect(tail.map((s) => s.sessionStatus)).toEqual(['COMPLETE', 'COMPLETE']);
    expect(tail.flatMap((s) => s.effects)).toEqual([]);
  });
});

describe('a new session after an end without quit', () => {
  it('begins when credentials arrive, and a later end dispatches ended again', () => {
    const { steps, state } = run([...UP, endSession(true, 'one'), credentials(), endSession(true, 'two')], NO_QUIT);
    const ended = steps.flatMap((s) => endedEffects(s.effects));
    expect(ended.map((e) => e.payload)).toEqual([
      { sessionId: 'one', cause: 'GRACEFUL_SHUTDOWN' },
      { sessionId: 'two', cause: 'GRACEFUL_SHUTDOWN' },
    ]);
    expect(state.phase).toEqual({ name: 'ended' });
  });

  it('begins when a client connects, and a later endsession opens a resume window', () => {
    const { last, state } = run([...UP, endSession(true), at(5_000), connect, disconnect, at(6_000), endSession(false)], NO_QUIT);
    expect(last.sessionStatus).toBe('AWAITING_RESUME');
    expect(state.phase).toEqual({ name: 'awaitingResume', openedAt: 6_000 });
  });

  it('puts the phase back to open when credentials arrive or a client connects', () => {
    const ended = run([...UP, endSession(true)], NO_QUIT).state;
    expect(run([credentials()], NO_QUIT, ended).state.phase).toEqual({ name: 'open' });
    expect(run([connect], NO_QUIT, ended).state.phase).toEqual({ name: 'open' });
  });

  it('does not begin after a quitting end: recycling is terminal', () => {
    const recycling = run([...UP, endSession(true)]).state;
    const { steps, state } = run([credentials(), connect, disconnect, sessionReady, endSession(true)], DEFAULTS, recycling);
    expect(state.phase).toEqual({ name: 'recycling', because: 'quitting' });
    expect(steps.flatMap((s) => endedEffects(s.effects))).toEqual([]);
    expect(steps.flatMap((s) => effectTypes(s.effects))).not.toContain('quit');
    expect(steps[steps.length - 1]!.sessionStatus).toBe('COMPLETE');
  });
});

describe('credentials', () => {
  it('dispatch omni.services.livestream.session.stun_credentials with the credentials as payload', () => {
    const { last, state } = run([credentials()]);
    expect(last.effects).toEqual([{ type: 'dispatchCredentials', event: STUN_CREDENTIALS, payload: CREDS }]);
    expect(state.credentialsReceived).toBe(true);
  });

  it('do not close an open resume window', () => {
    const { state } = run([...UP, at(0), endSession(false), at(1_000), credentials()]);
    expect(state.phase).toEqual({ name: 'awaitingResume', openedAt: 0 });
  });
});

describe('app-ready and first-frame', () => {
  it('are never reset by ending, clients, credentials or a new session', () => {
    for (const settings of [DEFAULTS, NO_QUIT, settingsWith({ resumeTimeoutSeconds: 0, waitForSessionReadyEvent: true })]) {
      const { steps } = run(
        [
          ...UP,
          credentials(),
          connect,
          newFrame,
          appReady,
          disconnect,
          at(0),
          endSession(false),
          at(40_000),
          endSession(false),
          credentials(),
          connect,
          endSession(true),
          newFrame,
          disconnect,
          disconnect,
          timerFired,
        ],
        settings,
      );
      for (const s of steps.slice(UP.length)) {
        expect(s.state.appReady).toBe(true);
        expect(s.state.rtxReady).toBe(true);
      }
    }
  });

  it('are remembered in any order and when repeated', () => {
    const { state } = run([newFrame, newFrame, appReady, appReady]);
    expect(state.appReady).toBe(true);
    expect(state.rtxReady).toBe(true);
  });
});

describe('the client count', () => {
  it('counts connects minus disconnects', () => {
    expect(run([connect, connect, connect, disconnect]).state.clients).toBe(2);
  });

  it('never goes below zero', () => {
    const { state } = run([disconnect, disconnect, connect]);
    expect(state.clients).toBe(1);
    expect(run([disconnect]).state.clients).toBe(0);
  });
});

describe('the resume timer effects', () => {
  it('are not started when endSessionOnResumeTimeout is not set: the window is only checked by endsession', () => {
    const { steps } = run([...UP, connect, disconnect, at(0), endSession(false), at(10_000), endSession(false)]);
    expect(steps.flatMap((s) => effectTypes(s.effects))).not.toContain('startTimer:resume');
  });

  it('start a timer for resumeTimeoutSeconds when the window opens and endSessionOnResumeTimeout is set', () => {
    const { last } = run([...UP, at(0), endSession(false)], settingsWith({ endSessionOnResumeTimeout: true, resumeTimeoutSeconds: 12 }));
    expect(last.effects).toEqual([{ type: 'startTimer', timer: 'resume', ms: 12_000 }]);
  });

  it('do not start a second timer on repeated endsession calls', () => {
    const { last } = run([...UP, at(0), endSession(false), at(5_000), endSession(false)], OPT_IN_TIMER);
    expect(last.sessionStatus).toBe('AWAITING_RESUME');
    expect(last.effects).toEqual([]);
  });

  it('do not start a timer when resumeTimeoutSeconds is 0', () => {
    const { last } = run([...UP, endSession(false)], settingsWith({ endSessionOnResumeTimeout: true, resumeTimeoutSeconds: 0 }));
    expect(effectTypes(last.effects)).not.toContain('startTimer:resume');
  });

  it('cancel the timer when a client resumes the session', () => {
    const { last } = run([...UP, at(0), endSession(false), at(5_000), connect], OPT_IN_TIMER);
    expect(effectTypes(last.effects)).toContain('cancelTimer:resume');
  });

  it('cancel the timer when the session ends during the window', () => {
    const { last } = run([...UP, at(0), endSession(false), at(5_000), endSession(true)], OPT_IN_TIMER);
    expect(effectTypes(last.effects)).toContain('cancelTimer:resume');
  });

  it('end the session with cause RESUME_TIMEOUT when the timer fires while awaiting resume', () => {
    const { last, state } = run([...UP, at(0), endSession(false, 's'), at(30_000), timerFired], settingsWith({ endSessionOnResumeTimeout: true, quitOnSessionEnded: false }));
    expect(endedEffects(last.effects)).toEqual([{ type: 'dispatchEnded', event: ENDED, payload: { sessionId: 's', cause: 'RESUME_TIMEOUT' } }]);
    expect(state.phase).toEqual({ name: 'ended' });
    expect(last.sessionStatus).toBeUndefined();
  });

  it('quit last when the timer ends the session with quitOnSessionEnded', () => {
    const { last, state } = run([...UP, at(0), endSession(false), at(30_000), timerFired], OPT_IN_TIMER);
    expect(last.effects[last.effects.length - 1]).toEqual({ type: 'quit', exitCode: 0 });
    expect(state.phase).toEqual({ name: 'recycling', because: 'quitting' });
  });

  it.each([
    ['open', [...UP]],
    ['open with a client', [...UP, connect]],
    ['resumed', [...UP, endSession(false), connect]],
    ['ended', [...UP, endSession(true)]],
  ] as const)('do nothing when the timer fires and the session is %s (not awaiting resume)', (_label, script) => {
    const before = run(script, settingsWith({ endSessionOnResumeTimeout: true, quitOnSessionEnded: false })).state;
    const { last } = run([at(60_000), timerFired], settingsWith({ endSessionOnResumeTimeout: true, quitOnSessionEnded: false }), before);
    expect(last.effects).toEqual([]);
    expect(last.state).toEqual(before);
  });

  it('do nothing when the timer fires after a quitting end', () => {
    const before = run([...UP, endSession(true)], OPT_IN_TIMER).state;
    const { last } = run([timerFired], OPT_IN_TIMER, before);
    expect(last.effects).toEqual([]);
    expect(last.state).toEqual(before);
  });
});

describe('the idle time-out, as effects', () => {
  it('sets its timer for the warning when the first client connects, and for nothing on input', () => {
    const { steps } = run([...UP, connect, userInput, userInput], IDLE);
    expect(steps[2]!.effects).toEqual([{ type: 'startTimer', timer: 'idle', ms: 50_000 }]);
    expect(steps[3]!.effects).toEqual([]);
    expect(steps[4]!.effects).toEqual([]);
  });

  it('looks again when its timer fires after input moved the count, and warns once the count is near its end', () => {
    const early = run([...UP, connect, at(20_000), userInput, at(50_000), idleFired], IDLE);
    expect(early.last.effects).toEqual([{ type: 'startTimer', timer: 'idle', ms: 20_000 }]);
    const warned = run([at(70_000), idleFired], IDLE, early.state);
    expect(warned.last.effects).toEqual([
      { type: 'dispatchIdleWarning', event: 'omni.services.livestream.session.idle_warning', payload: { secondsLeft: 10 } },
      { type: 'startTimer', timer: 'idle', ms: 10_000 },
    ]);
    const ended = run([at(80_000), idleFired], IDLE, warned.state);
    expect(effectTypes(ended.last.effects)).toEqual(['cancelTimer:idle', 'dispatchEnded']);
    expect(endedEffects(ended.last.effects)[0]).toMatchObject({ payload: { cause: 'IDLE_TIMEOUT' } });
  });

  it('cancels a warning given, and sets its timer for the new warning, on input', () => {
    const warned = run([...UP, connect, at(50_000), idleFired], IDLE);
    const { last } = run([at(52_000), userInput], IDLE, warned.state);
    expect(last.effects).toEqual([
      { type: 'dispatchIdleWarningCancelled', event: 'omni.services.livestream.session.idle_warning_cancelled', payload: {} },
      { type: 'startTimer', timer: 'idle', ms: 50_000 },
    ]);
  });

  it('does nothing when its timer fires after the count stopped', () => {
    const before = run([...UP, connect, disconnect], IDLE).state;
    const { last } = run([at(60_000), idleFired], IDLE, before);
    expect(last).toEqual({ state: before, effects: [] });
  });
});

describe('step', () => {
  const ALL_INPUTS: SessionInput[] = [
    appReady,
    newFrame,
    sessionReady,
    connect,
    disconnect,
    credentials(),
    endSession(false, 'x'),
    endSession(true, 'y'),
    endSession(false, null),
    timerFired,
    maxSessionFired,
    firstConnectionFired,
    idleFired,
    userInput,
    connectAs('c'),
    disconnectAs('c'),
    shutdown(),
    shutdown(10),
    appExited,
  ];

  const interestingStates = (): SessionState[] => {
    const quit = run([...UP, sessionReady, connect, at(0), endSession(false, 'a')], OPT_IN_TIMER);
    const noQuit = run([...UP, sessionReady, connect, endSession(true, 'b')], NO_QUIT);
    const recycling = run([...UP, endSession(true)]);
    const exited = run([...UP, connect, appExited]);
    const policies = settingsWith({ maxSessionSeconds: 60, firstConnectionTimeoutSeconds: 30, quitOnSessionEnded: false });
    const timed = run([...UP, credentials(), connectAs('c'), disconnectAs('d'), endSession(false), shutdown(5)], policies);
    const idle = run([...UP, connect, at(50_000), idleFired, userInput, at(55_000), endSession(false), connect, disconnect], IDLE);
    return [
      INITIAL_STATE,
      ...quit.steps.map((s) => s.state),
      ...noQuit.steps.map((s) => s.state),
      recycling.state,
      exited.state,
      ...timed.steps.map((s) => s.state),
      ...idle.steps.map((s) => s.state),
    ];
  };

  it('never mutates its input state (every input from every kind of state, deep-frozen)', () => {
    for (const settings of [DEFAULTS, NO_QUIT, OPT_IN_TIMER, IDLE, settingsWith({ resumeTimeoutSeconds: 0, waitForSessionReadyEvent: true })]) {
      for (const state of interestingStates()) {
        const snapshot = structuredClone(state);
        deepFreeze(state);
        for (const input of ALL_INPUTS) {
          expect(() => step(state, deepFreeze(structuredClone(input)), { now: 45_000, settings })).not.toThrow();
          expect(state).toEqual(snapshot);
        }
      }
    }
  });

  it('starts from an initial state with nothing seen and no client', () => {
    expect(INITIAL_STATE).toMatchObject({
      appReady: false,
      rtxReady: false,
      sessionReadyEventReceived: false,
      clients: 0,
      previousClientConnected: false,
      phase: { name: 'open' },
      lastSessionId: null,
    });
  });

  it('answers a sessionStatus only for endsession', () => {
    for (const input of ALL_INPUTS) {
      const result = step(INITIAL_STATE, input, { now: 0, settings: DEFAULTS });
      if (input.type === 'endSession') expect(result.sessionStatus).toMatch(/^(COMPLETE|AWAITING_RESUME)$/);
      else expect(result.sessionStatus).toBeUndefined();
    }
  });
});

describe('the supervised application exiting by itself', () => {
  it.each([
    ['before it was ready', [] as const],
    ['while a client streams', [...UP, connect] as const],
    ['after the session ended without quitting', [...UP, endSession(true)] as const],
  ])('makes the phase recycling, %s, and dispatches nothing', (_, script) => {
    const { state, last } = run([...script, appExited], NO_QUIT);
    expect(state.phase).toEqual({ name: 'recycling', because: 'appExited' });
    expect(last.effects).toEqual([]);
  });

  it('cancels the resume timer of an open resume window', () => {
    const { state, last } = run([...UP, connect, endSession(false), appExited], OPT_IN_TIMER);
    expect(state.phase).toEqual({ name: 'recycling', because: 'appExited' });
    expect(last.effects).toEqual([{ type: 'cancelTimer', timer: 'resume' }]);
  });

  it('after a quitting end, makes the phase recycling because the application exited', () => {
    const { state, last } = run([...UP, endSession(true), appExited]);
    expect(state.phase).toEqual({ name: 'recycling', because: 'appExited' });
    expect(last.effects).toEqual([]);
  });

  it('while the service stops changes nothing: stopping outranks it', () => {
    const stopping = run([...UP, connect, shutdown(10)]).state;
    const { state, last } = run([appExited], DEFAULTS, stopping);
    expect(state).toBe(stopping);
    expect(state.phase).toEqual({ name: 'recycling', because: 'shuttingDown' });
    expect(last.effects).toEqual([]);
  });
});

describe('the service stopping (SIGTERM, SIGINT)', () => {
  it.each([
    ['before the application is ready', [] as const],
    ['while a client streams', [...UP, connect] as const],
    ['after a quitting end', [...UP, endSession(true)] as const],
    ['after the application exited', [...UP, appExited] as const],
  ])('makes the phase recycling because it is shutting down, %s', (_, script) => {
    expect(run([...script, shutdown()]).state.phase).toEqual({ name: 'recycling', because: 'shuttingDown' });
  });

  it('ends a live session with cause SHUTDOWN, and nothing when the application has exited', () => {
    expect(endedEffects(run([...UP, connect, shutdown(10)]).last.effects)).toEqual([
      { type: 'dispatchEnded', event: ENDED, payload: { sessionId: null, cause: 'SHUTDOWN', deadlineSeconds: 10 } },
    ]);
    expect(run([...UP, connect, appExited, shutdown(10)]).last.effects).toEqual([]);
  });

  it('is said once: a second stop leaves the state as it is', () => {
    const stopping = run([...UP, shutdown()]).state;
    const { state, last } = run([shutdown()], DEFAULTS, stopping);
    expect(state).toBe(stopping);
    expect(last.effects).toEqual([]);
  });
});
