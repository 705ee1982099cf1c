import type { RunningService } from '../../test/support/service.js';

export interface EncodedRequest {
  method: 'POST';
  path: string;
  /** Sent byte for byte. */
  body: Uint8Array;
  headers: Record<string, string>;
}

/**
 * Like `raw` of test/support/service.ts, with bytes for a body and headers of the test's
 * choosing (Content-Encoding): still through the generated client, so the answer is checked
 * against the spec by its interceptor.
 */
export async function rawBytes(running: RunningService, request: EncodedRequest) {
  const { response, data, error } = await running.client.request({
    method: request.method,
    url: request.path,
    body: request.body,
    bodySerializer: null,
    headers: request.headers,
    parseAs: 'json',
  });
  return { status: response.status, headers: response.headers, body: (data ?? error) as Record<string, any> };
}
