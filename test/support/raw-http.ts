import { connect, type Socket } from 'node:net';
import { assertMatchesSpec } from './contract.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 connection driven byte by byte, for what a fetch client cannot do: send half
 * a body, or put many requests on the wire in the same instant. Every final answer read is
 * checked against the spec, as the generated client's answers are.
 */
export class RawConnection {
  #buffer = '';
  #closed = false;
  #waiters: Array<() => void> = [];
  readonly #pending: Array<{ method: string; path: string }> = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake() {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async #until<T>(found: () => T | undefined, what: string): Promise<T> {
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      if (this.#closed) throw new Error(`connection closed before ${what}; got ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Writes the request head (and `body`, if given); `length` is the Content-Length to announce. */
  sendHead(method: string, path: string, options: { length?: number; expectContinue?: boolean; body?: string } = {}): void {
    const length = options.length ?? Buffer.byteLength(options.body ?? '');
    const head = [
      `${method} ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      ...(method === 'POST' ? ['Content-Type: application/json', `Content-Length: ${length}`] : []),
      ...(options.expectContinue ? ['Expect: 100-continue'] : []),
    ];
    this.#pending.push({ method, path });
    this.socket.write(`${head.join('\r\n')}\r\n\r\n${options.body ?? ''}`);
  }

  sendBody(part: string): void {
    this.socket.write(part);
  }

  /** Waits for the server's `100 Continue`: it has read the request head and taken the request. */
  async continued(): Promise<void> {
    await this.#until(() => {
      const match = /^HTTP\/1\.1 100 [^\r]*\r\n\r\n/.exec(this.#buffer);
      if (!match) return undefined;
      this.#buffer = this.#buffer.slice(match[0].length);
      return true;
    }, '100 Continue');
  }

  /** Reads the next final answer on this connection. */
  async response(): Promise<RawResponse> {
    const request = this.#pending.shift();
    if (!request) throw new Error('no request sent');
    const response = await this.#until(() => this.#parse(), `the answer to ${request.method} ${request.path}`);
    assertMatchesSpec(request.method, request.path, response.status, response.headers['content-type'] ?? null, response.body);
    return response;
  }

  #parse(): RawResponse | undefined {
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.#buffer.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine!)?.[1]);
    const headers = Object.fromEntries(
      lines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
      }),
    );
    if (status === 100) {
      this.#buffer = this.#buffer.slice(end + 4);
      return this.#parse();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyBytes = Buffer.from(this.#buffer.slice(end + 4));
    if (bodyBytes.length < length) return undefined;
    const body = bodyBytes.subarray(0, length).toString();
    this.#buffer = bodyBytes.subarray(length).toString();
    return { status, headers, body };
  }

  close(): void {
    this.socket.destroy();
  }
}
