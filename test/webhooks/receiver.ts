import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A signing secret as Standard Webhooks writes one: whsec_ and 32 random bytes in base64. */
export const SECRET = 'whsec_' + Buffer.from('webhook-secret-3f9a1c7e5b2d8046!').toString('base64');

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The CloudEvent, as the Standard Webhooks library parsed it once it verified the signature. */
  /** What the receiver answered. */
  answer?: number | 'hang';
  event: { specversion: string; id: string; type: string; source: string; time: string; datacontenttype: string; data: Record<string, unknown> };
}

/** What the receiver does with a verified request: answer with a status, or never answer. */
export type Answer = (received: Received, index: number) => number | 'hang';

/**
 * A webhook receiver as a portal runs one: a real HTTP server that verifies every request with
 * the Standard Webhooks library (not the service's code) and keeps what it took.
 */
export class Receiver extends EventEmitter {
  readonly server: Server;
  /** Every verified request, repeats included, in the order they came. */
  readonly requests: Received[] = [];
  readonly refused: string[] = [];
  readonly hanging: ServerResponse[] = [];
  answer: Answer = () => 204;

  constructor(secret = SECRET) {
    super();
    const webhook = new Webhook(secret);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let event: Received['event'];
        try {
          event = webhook.verify(body, req.headers as Record<string, string>) as Received['event'];
        } catch (error) {
          this.refused.push((error as Error).message);
          res.writeHead(401).end();
          this.emit('change');
          return;
        }
        const received: Received = { headers: req.headers, body, event };
        this.requests.push(received);
        const answer = (received.answer = this.answer(received, this.requests.length - 1));
        if (answer === 'hang') this.hanging.push(res);
        else res.writeHead(answer).end();
        this.emit('change');
      });
    });
  }

  /** Each event taken (answered 2xx), once, in the order first taken. */
  get events(): Received['event'][] {
    const seen = new Set<string>();
    const taken = this.requests.filter(({ answer }) => typeof answer === 'number' && answer >= 200 && answer < 300).map(({ event }) => event);
    return taken.filter(({ id }) => !seen.has(id) && Boolean(seen.add(id)));
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/session`;
  }

  /** Resolves once `holds()` is true, checked on each request; never on a timer. */
  until(holds: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!holds()) return;
        this.off('change', check);
        resolve();
      };
      this.on('change', check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
