// The webhook events as docs/operating.md documents them, read from the page itself, so a
// test fails when the service sends what the page does not say.
import { readFileSync } from 'node:fs';

const PAGE = readFileSync(new URL('../../docs/operating.md', import.meta.url), 'utf8');

/** Each documented type with the data fields it always has, and those it may have. */
export function documentedEvents(): Map<string, { required: string[]; optional: string[] }> {
  const events = new Map<string, { required: string[]; optional: string[] }>();
  for (const [, type, data] of PAGE.matchAll(/^\| `(omni\.services\.livestream\.session\.\w+)` \| [^|]+ \| (.+) \|$/gm)) {
    const [always, maybe = ''] = data!.replace(/\([^)]*\)/g, '').split(';');
    const names = (text: string) => [...text.matchAll(/`(\w+)`/g)].map((m) => m[1]!);
    events.set(type!, { required: names(always!), optional: names(maybe.slice(maybe.indexOf(' also ') + 1)) });
  }
  return events;
}

/** The documented session, as `<type>` or `<type> <previousReason> -> <reason>` lines. */
export function documentedSession(): string[] {
  const block = /reaches a receiver as these types, in this order:\n\n```text\n([\s\S]*?)```/.exec(PAGE);
  if (!block) throw new Error('docs/operating.md no longer shows the session a receiver gets');
  return block[1]!.trim().split('\n').map((line) => line.trim().replace(/\s+/g, ' '));
}

/** A received event as documentedSession() writes it. */
export function asDocumented(event: { type: string; data: Record<string, unknown> }): string {
  const name = event.type.replace('omni.services.livestream.session.', '');
  return name === 'readiness_changed' ? `${name} ${String(event.data.previousReason)} -> ${String(event.data.reason)}` : name;
}
