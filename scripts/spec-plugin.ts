// A plugin for @hey-api/openapi-ts: writes generated/spec.gen.ts, which holds `openApiDocument`, the
// spec as openapi.yaml says it, for the service to give the validator, the docs page and
// GET /openapi.json without parsing YAML at run time (parsing it cold holds the event loop
// for about 150 ms on a 2-core machine; importing this module, for about 2 ms).
import { $, definePluginConfig } from '@hey-api/openapi-ts';

interface PluginApi {
  context: { spec: unknown };
  symbol(name: string): unknown;
  node(node: unknown): void;
}

function handler({ plugin }: { plugin: PluginApi }): void {
  plugin.node($.const(plugin.symbol('openApiDocument') as never).export().assign($.fromValue(plugin.context.spec, { layout: 'pretty' })));
}

export const specPlugin = definePluginConfig({
  config: { includeInEntry: false },
  handler,
  name: 'spec',
} as never);
