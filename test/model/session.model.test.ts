import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SESSION_ENDED_EVENT, STUN_CREDENTIALS_EVENT } from '../../src/core/events.js';
import { startService, stopServices } from '../support/service.js';
import { commandArbitraries, SendEvent, settingsArbitrary, UP, type Real } from './commands.js';
import { SessionModel } from './model.js';

afterEach(stopServices);

// Each service compiles the spec into request and response validators (~40 ms, most of a
// sequence's cost). Its answers do not depend on which service built it, so the sequences
// share one built per set of options: the session under test is still new each time.
vi.mock('express-openapi-validator', async (importOriginal) => {
  const original = await importOriginal<typeof import('express-openapi-validator')>();
  const built = new Map<string, ReturnType<typeof original.middleware>>();
  const middleware = (options: Parameters<typeof original.middleware>[0]) => {
    const key = JSON.stringify({ ...options, apiSpec: undefined });
    if (!built.has(key)) built.set(key, original.middleware(options));
    return built.get(key)!;
  };
  return { ...original, middleware };
});

/** Sequences per run of the suite; raise it (MODEL_RUNS=5000) for a longer search. */
const NUM_RUNS = Number(process.env.MODEL_RUNS ?? 1000);
const MAX_COMMANDS = 20;

describe('the service against a reference model of BEHAVIOUR.md', () => {
  it('agrees on readiness, endsession answers, dispatched events and quits after every command', async () => {
    await fc.assert(
      fc.asyncProperty(settingsArbitrary, fc.boolean(), fc.commands(commandArbitraries, { maxCommands: MAX_COMMANDS }), async (settings, up, commands) => {
        // One service per sequence: a session cannot be reset, and its settings are fixed at start.
        const running = await startService(settings);
        const real: Real = { running, dispatched: [] };
        running.service.bus.on(SESSION_ENDED_EVENT, (payload) => real.dispatched.push({ event: SESSION_ENDED_EVENT, payload }));
        running.service.bus.on(STUN_CREDENTIALS_EVENT, (payload) => real.dispatched.push({ event: STUN_CREDENTIALS_EVENT, payload }));
        const model = new SessionModel(settings);
        try {
          // Half the sequences start with the streaming app up, so that more of them reach the later readiness rows.
          if (up) for (const event of UP) await new SendEvent(event).run(model, real);
          await fc.asyncModelRun(() => ({ model, real }), commands);
          // A quit happens once, whatever came after it.
          expect(running.exits).toEqual(model.quitting ? [0] : []);
        } finally {
          await stopServices();
        }
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);
});
