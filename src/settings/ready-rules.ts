// What the supervised application does that counts as one of its Kit events, for apps
// that cannot (or need not) call the local event API: a line it prints, a port it opens,
// a URL that answers. The supervisor watches the rules; their form is checked here, when
// the settings load.
import { canMatchWithoutLineBreak } from './line-breaks.js';

// The Kit events a rule can raise, named here because settings are the lowest layer and the
// table says which event each rule raises; src/core/events.ts lists them with the others.
export const APP_READY_EVENT = 'omni.kit.app.GLOBAL_EVENT_APP_READY';
export const NEW_FRAME_EVENT = 'omni.usd.StageRenderingEventType.NEW_FRAME';
export const SESSION_READY_EVENT = 'omni.services.livestream.session.ready';

/** The settings that hold a rule, and the Kit event each raises. */
export const READY_RULE_SETTINGS = [
  { name: 'appReadyWhen', event: APP_READY_EVENT },
  { name: 'newFrameWhen', event: NEW_FRAME_EVENT },
  { name: 'sessionReadyWhen', event: SESSION_READY_EVENT },
] as const;

export type ReadyRule =
  | { readonly kind: 'output'; readonly pattern: RegExp }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'http'; readonly url: string };

export const READY_RULE_FORMS = 'output:<regex>, tcp:[host:]port, or an http:// or https:// URL';

/** Parses a rule, or returns why it is not one. */
export function parseReadyRule(text: string): ReadyRule | { error: string } {
  if (text.startsWith('output:')) {
    const source = text.slice('output:'.length);
    if (source === '') return { error: 'output: needs a regular expression' };
    let pattern: RegExp;
    try {
      pattern = new RegExp(source);
    } catch (err) {
      return { error: `not a regular expression: ${(err as Error).message}` };
    }
    if (!canMatchWithoutLineBreak(pattern)) {
      return { error: 'can never match: output: rules match one line at a time, without its line break, and this pattern needs a \\n or \\r' };
    }
    return { kind: 'output', pattern };
  }
  if (text.startsWith('tcp:')) {
    const match = /^tcp:(?:(\[[^\]]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) return { error: 'tcp: needs [host:]port with a port from 1 to 65535' };
    return { kind: 'tcp', host: match[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1', port };
  }
  if (/^https?:\/\//i.test(text)) {
    try {
      return { kind: 'http', url: new URL(text).href };
    } catch {
      return { error: 'not a valid URL' };
    }
  }
  return { error: 'not a known form' };
}
