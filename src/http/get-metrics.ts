import type { RequestHandler } from 'express';
import type { ServiceMetrics } from '../metrics.js';

export function getMetrics(metrics: ServiceMetrics): RequestHandler {
  return (_req, res, next) => {
    metrics.render().then(({ contentType, text }) => {
      res.set('Content-Type', contentType).set('Cache-Control', 'no-store').status(200).send(text);
    }, next);
  };
}
