// A plugin for @hey-api/openapi-ts: writes generated/operations.gen.ts, which holds
// - `Operations`, a type mapping each operationId to the request and answer types the
//   typescript plugin generated for it (the server's handlers are typed from it), and
// - `operations`, what the server needs of each operation at run time (method, path,
//   security, header parameters, whether a body is required, x-local-only), so that it
//   never parses the spec to route.
import { $, definePluginConfig } from '@hey-api/openapi-ts';

type Role = 'data' | 'responses' | 'errors';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

interface RawOperation {
  operationId: string;
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { required?: boolean };
  'x-local-only'?: boolean;
}

interface RawSpec {
  security?: Array<Record<string, unknown>>;
  paths: Record<string, Partial<Record<(typeof METHODS)[number], RawOperation>>>;
}

interface PluginApi {
  context: { spec: RawSpec };
  symbol(name: string): unknown;
  querySymbol(query: { category: 'type'; resource: 'operation'; resourceId: string; role: Role; tool: 'typescript' }): unknown;
  node(node: unknown): void;
}

const ROLES: readonly Role[] = ['data', 'responses', 'errors'];

/** The security schemes an operation names (its own `security`, else the spec's). */
const schemesOf = (operation: RawOperation, spec: RawSpec) => [...new Set((operation.security ?? spec.security ?? []).flatMap(Object.keys))];

function handler({ plugin }: { plugin: PluginApi }): void {
  const { spec } = plugin.context;
  const types = $.type.object();
  const values: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const id = operation.operationId;
      const entry = $.type.object();
      for (const role of ROLES) {
        const symbol = plugin.querySymbol({ category: 'type', resource: 'operation', resourceId: id, role, tool: 'typescript' });
        // An operation that declares no error answers has `errors: never`.
        entry.prop(role, (p) => p.type(symbol ? $.type(symbol as never) : $.type('never')));
      }
      types.prop(id, (p) => p.type(entry));
      values[id] = {
        method,
        path,
        security: schemesOf(operation, spec),
        headers: (operation.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name),
        bodyRequired: operation.requestBody?.required === true,
        hasInput: operation.requestBody !== undefined || (operation.parameters ?? []).some((p) => p.in === 'query' || p.in === 'path'),
        localOnly: operation['x-local-only'] === true,
      };
    }
  }
  plugin.node($.type.alias(plugin.symbol('Operations') as never).export().type(types));
  plugin.node($.const(plugin.symbol('operations') as never).export().assign($($.fromValue(values, { layout: 'pretty' })).as('const')));
}

export const operationsPlugin = definePluginConfig({
  config: { includeInEntry: false },
  dependencies: ['@hey-api/typescript'],
  handler,
  name: 'operations',
} as never);
