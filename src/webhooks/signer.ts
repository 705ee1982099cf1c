// The two formats a request has, each made by its own well-kept library: the body is a
// CloudEvent in structured JSON mode (cloudevents), the headers sign it as Standard Webhooks
// says (standardwebhooks). Both load on the first delivery, not at start-up.

/** One event waiting for delivery: what makes its CloudEvent, and the body once made. */
export interface WebhookEntry {
  /** The CloudEvent `id` and the `webhook-id`: the same on every attempt, for the receiver to drop repeats. */
  readonly id: string;
  readonly type: string;
  /** When it happened (RFC 3339), the CloudEvent `time`. */
  readonly time: string;
  readonly data: object;
  /** Made on the first attempt, sent unchanged on the next ones. */
  encoded?: Encoded;
}

export interface Encoded {
  readonly body: string;
  readonly contentType: string;
}

export interface WebhookSigner {
  encode(entry: WebhookEntry): Encoded;
  /** The headers of one attempt: `webhook-timestamp` is the attempt's, as Standard Webhooks has it. */
  headers(entry: WebhookEntry, encoded: Encoded, at: Date): Record<string, string>;
}

export async function loadSigner(secret: string, source: () => string): Promise<WebhookSigner> {
  const [{ CloudEvent, HTTP }, { Webhook }] = await Promise.all([import('cloudevents'), import('standardwebhooks')]);
  const webhook = new Webhook(secret);
  return {
    encode(entry) {
      const event = new CloudEvent({ id: entry.id, type: entry.type, source: source(), time: entry.time, datacontenttype: 'application/json', data: entry.data });
      const message = HTTP.structured(event);
      return { body: String(message.body), contentType: String(message.headers['content-type']) };
    },
    headers(entry, { body, contentType }, at) {
      return {
        'content-type': contentType,
        'webhook-id': entry.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': webhook.sign(entry.id, at, body),
      };
    },
  };
}
