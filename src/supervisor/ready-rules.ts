// What the supervised application does that counts as one of its Kit events, for apps
// that cannot (or need not) call the local event API: a line it prints, a port it opens,
// a URL that answers.
import { APP_READY_EVENT, NEW_FRAME_EVENT, SESSION_READY_EVENT } from '../core/events.js';
import { canMatchWithoutLineBreak } from './line-breaks.js';

/** The settings that hold a rule, and the Kit event each raises. */
export const READY_RULE_SETTINGS = [
  { name: 'appReadyWhen', env: 'LIVESTREAM_SESSION_APP_READY_WHEN', event: APP_READY_EVENT },
  { name: 'newFrameWhen', env: 'LIVESTREAM_SESSION_NEW_FRAME_WHEN', event: NEW_FRAME_EVENT },
  { name: 'sessionReadyWhen', env: 'LIVESTREAM_SESSION_SESSION_READY_WHEN', event: SESSION_READY_EVENT },
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
