import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DISPATCHED_EVENTS } from '../../src/core/events.js';
import { startService, stopServices } from '../support/service.js';
import { commandArbitraries, idleCommandArbitraries, idleSettingsArbitrary, SendEvent, settingsArbitrary, UP, type Real } from './commands.js';
import { SessionModel, type Dispatched, type ListenedEvent, type ModelSettings } from './model.js';

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
  /**
   * Runs command sequences against a new service per sequence, comparing it with the model
   * after each command; each sequence begins with the events of `start` (or of UP, for half of them).
   */
  const agree = (settingsArbitrary: fc.Arbitrary<ModelSettings>, commands: typeof commandArbitraries, numRuns: number, start?: readonly ListenedEvent[]) =>
    fc.assert(
      fc.asyncProperty(settingsArbitrary, fc.boolean(), fc.commands(commands, { maxCommands: MAX_COMMANDS }), async (settings, up, sequence) => {
        // One service per sequence: a session cannot be reset, and its settings are fixed at start.
        const running = await startService(settings);
        const real: Real = { running, dispatched: [] };
        for (const event of DISPATCHED_EVENTS) running.service.bus.on(event, (payload) => real.dispatched.push({ event, payload } as Dispatched));
        const model = new SessionModel(settings);
        try {
          // Half the sequences start with the streaming app up, so that more of them reach the later readiness rows.
          for (const event of start ?? (up ? UP : [])) await new SendEvent(event).run(model, real);
          await fc.asyncModelRun(() => ({ model, real }), sequence);
          // A quit happens once, whatever came after it.
          expect(running.exits).toEqual(model.quitting ? [0] : []);
        } finally {
          await stopServices();
        }
      }),
      { numRuns },
    );

  it('agrees on readiness, endsession answers, dispatched events and quits after every command', async () => {
    await agree(settingsArbitrary, commandArbitraries, NUM_RUNS);
  }, 120_000);

  it('agrees on the idle time-out: its warnings, their cancels and its ends', async () => {
    // Each begins with a client connected: the idle time is counted from there.
    await agree(idleSettingsArbitrary, idleCommandArbitraries, Math.ceil(NUM_RUNS / 5), [...UP, 'omni.kit.livestream.client_connected:immediate']);
  }, 120_000);
});
