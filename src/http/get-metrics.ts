import type { ServiceMetrics } from '../metrics.js';
import type { Handler } from './handlers.js';

/** `GET /metrics`: the Prometheus text format. */
export function getMetrics(metrics: ServiceMetrics): Handler<'getMetrics'> {
  return async () => {
    const { contentType, text } = await metrics.render();
    return { status: 200, body: text, headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } };
  };
}
