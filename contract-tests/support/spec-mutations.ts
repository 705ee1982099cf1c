/**
 * Invalid request bodies derived from openapi.yaml: the request body schema of an operation
 * is walked (following `$ref`s) and every field it declares, at any depth, yields fast-check
 * arbitraries of one-thing-wrong mutations of the operation's example body.
 */
import fc from 'fast-check';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { Ajv, type ValidateFunction } from 'ajv';
import { loadSpec } from '../../src/http/spec.js';

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'array' | 'object';

export interface Schema {
  $ref?: string;
  type?: Exclude<JsonType, 'null'>;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

interface Operation {
  operationId?: string;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema; example?: unknown }> };
}

export const document = loadSpec().document as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Follows a chain of local `$ref`s (`#/components/schemas/Port`) to the schema itself. */
export function resolve(schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; current.$ref; hops++) {
    if (hops > 32) throw new Error(`$ref cycle at ${schema.$ref}`);
    const pointer = current.$ref.replace(/^#\//, '').split('/');
    let target: unknown = document;
    for (const part of pointer) target = (target as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (!target) throw new Error(`unresolved $ref ${current.$ref}`);
    current = target as Schema;
  }
  return current;
}

export type Path = Array<string | number>;

/** One field the schema declares, at `path` inside the body. */
export interface Field {
  path: Path;
  schema: Schema;
  /** Listed in the `required` of the object holding it. */
  required: boolean;
}

/**
 * Every field under `schema`, depth first: the properties of objects (recursively, where the
 * example has a value to descend into) and the items of arrays (one per item of the example).
 */
export function fieldsOf(schema: Schema, value: unknown, path: Path = []): Field[] {
  const s = resolve(schema);
  const out: Field[] = [];
  if (s.properties) {
    for (const [key, sub] of Object.entries(s.properties)) {
      const here = [...path, key];
      out.push({ path: here, schema: resolve(sub), required: s.required?.includes(key) ?? false });
      const child = (value as Record<string, unknown> | undefined)?.[key];
      if (child !== undefined) out.push(...fieldsOf(sub, child, here));
    }
  }
  if (s.items && Array.isArray(value)) {
    value.forEach((item, index) => {
      const here = [...path, index];
      out.push({ path: here, schema: resolve(s.items!), required: false });
      out.push(...fieldsOf(s.items!, item, here));
    });
  }
  return out;
}

/** The operation with a JSON request body at `path`: its schema and its example (the valid base). */
export function bodyOperation(path: string, method = 'post') {
  const operation = document.paths[path]?.[method];
  const media = operation?.requestBody?.content?.['application/json'];
  if (!operation || !media?.schema) throw new Error(`${method.toUpperCase()} ${path} has no JSON request body in the spec`);
  if (media.example === undefined) throw new Error(`${method.toUpperCase()} ${path} has no request body example in the spec`);
  return { operationId: operation.operationId!, schema: media.schema, example: media.example as Record<string, unknown> };
}

/** Every path of the spec with the methods it declares (upper case). */
export function declaredMethods(): Array<{ path: string; methods: HttpMethod[] }> {
  return Object.entries(document.paths).map(([path, item]) => ({
    path,
    methods: HTTP_METHODS.filter((m) => item[m.toLowerCase()] !== undefined),
  }));
}

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: 'spec', components: document.components });

/** A validator of the spec's schema, to make sure a generated body really is invalid. */
export function validatorOf(schema: Schema): ValidateFunction {
  return ajv.compile(schema.$ref ? { $ref: `spec${schema.$ref}` } : schema);
}

// ---------------------------------------------------------------------------------------
// Mutations

/**
 * One thing wrong with the base body. Large values are described (`deep`, `long`) rather
 * than held, so that a shrunk counterexample stays readable.
 */
export interface Mutation {
  /** What kind of wrong, for the report. */
  kind: string;
  path: Path;
  /** Delete the field instead of setting it. */
  remove?: true;
  set?: unknown;
  /** A value nested `depth` levels deep: `[[[…]]]` or `{"a":{"a":…}}`. */
  deep?: { shape: 'array' | 'object'; depth: number };
  /** A string of `length` characters, `unit` repeated. */
  long?: { unit: string; length: number };
}

const PLACEHOLDER = '\u0000placeholder\u0000';

export function dotted(path: Path): string {
  return path.join('.');
}

function deepValue(shape: 'array' | 'object', depth: number): unknown {
  let value: unknown = shape === 'array' ? [] : {};
  for (let i = 1; i < depth; i++) value = shape === 'array' ? [value] : { a: value };
  return value;
}

function deepText(shape: 'array' | 'object', depth: number): string {
  return shape === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
}

function longString({ unit, length }: { unit: string; length: number }): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

function setAt(target: unknown, path: Path, value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  let parent = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete parent[last];
  else parent[last] = value;
  return target;
}

export function getAt(target: unknown, path: Path): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string | number, unknown> | undefined)?.[key], target);
}

/**
 * The body with the mutation applied: `value` for a validator (deep values built in memory,
 * without recursion) and `text` to send (built without JSON.stringify recursing into them).
 */
export function applyMutation(base: unknown, m: Mutation): { value: unknown; text: string } {
  if (m.deep) {
    const value = setAt(structuredClone(base), m.path, deepValue(m.deep.shape, m.deep.depth), false);
    const withPlaceholder = JSON.stringify(setAt(structuredClone(base), m.path, PLACEHOLDER, false));
    return { value, text: withPlaceholder.replace(JSON.stringify(PLACEHOLDER), deepText(m.deep.shape, m.deep.depth)) };
  }
  const newValue = m.long ? longString(m.long) : m.set;
  const value = setAt(structuredClone(base), m.path, newValue, m.remove === true);
  return { value, text: JSON.stringify(value) };
}

// ---------------------------------------------------------------------------------------
// Arbitraries

const ALL_TYPES: JsonType[] = ['string', 'integer', 'number', 'boolean', 'null', 'array', 'object'];

/** JSON values of each type; `number` means a number that is not an integer. */
const valuesOfType: Record<JsonType, fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 20 }),
  integer: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1, Number.MAX_SAFE_INTEGER)),
  number: fc
    .oneof(fc.constant(1.5), fc.double({ noNaN: true, noDefaultInfinity: true }))
    .filter((x) => !Number.isInteger(x)),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
};

/** The JSON types a value of `schema` may have. */
function allowedTypes(schema: Schema): JsonType[] | undefined {
  if (!schema.type) return undefined; // free-form: any type goes
  const types: JsonType[] = schema.type === 'number' ? ['integer', 'number'] : [schema.type];
  return schema.nullable ? [...types, 'null'] : types;
}

/** A value of a JSON type the field's `type` (and `nullable`) does not allow. */
export function wrongTypeMutations(fields: Field[]): fc.Arbitrary<Mutation>[] {
  return fields.flatMap((field) => {
    const allowed = allowedTypes(field.schema);
    if (!allowed) return [];
    const wrong = ALL_TYPES.filter((t) => !allowed.includes(t));
    return [
      fc
        .constantFrom(...wrong)
        .chain((type) => valuesOfType[type].map((set): Mutation => ({ kind: `not ${field.schema.type} but ${type}`, path: field.path, set }))),
    ];
  });
}

/** The body without one of the properties its object lists as required. */
export function missingRequiredMutations(fields: Field[]): fc.Arbitrary<Mutation>[] {
  return fields.filter((f) => f.required).map((f) => fc.constant<Mutation>({ kind: 'required field missing', path: f.path, remove: true }));
}

/** Integers just and far out of `minimum`/`maximum`, and numbers that are not integers. */
export function numberBoundMutations(fields: Field[]): fc.Arbitrary<Mutation>[] {
  return fields.flatMap((field) => {
    const { type, minimum, maximum } = field.schema;
    if (type !== 'integer' && type !== 'number') return [];
    const out: fc.Arbitrary<Mutation>[] = [];
    const at = (kind: string) => (set: number): Mutation => ({ kind, path: field.path, set });
    if (minimum !== undefined) {
      out.push(fc.oneof(fc.constant(minimum - 1), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: minimum - 1 })).map(at(`below minimum ${minimum}`)));
    }
    if (maximum !== undefined) {
      out.push(
        fc.oneof(fc.constant(maximum + 1), fc.integer({ min: maximum + 1, max: Number.MAX_SAFE_INTEGER }), fc.constant(1e300)).map(at(`above maximum ${maximum}`)),
      );
    }
    if (type === 'integer') {
      const lo = minimum ?? -1e6;
      const hi = maximum ?? 1e6;
      out.push(
        fc
          .oneof(fc.constant(1.5), fc.double({ min: lo, max: hi, noNaN: true }))
          .filter((x) => !Number.isInteger(x))
          .map(at('not an integer')),
      );
    }
    return out;
  });
}

/** Strings not in the field's `enum`: arbitrary ones and near misses of the allowed values. */
export function enumMutations(fields: Field[]): fc.Arbitrary<Mutation>[] {
  return fields.flatMap((field) => {
    const allowed = field.schema.enum;
    if (field.schema.type !== 'string' || !allowed) return [];
    const nearMiss = fc
      // A nullable enum lists null among its values: null is no string to misspell.
      .constantFrom(...(allowed as Array<string | null>).filter((v): v is string => v !== null))
      .chain((v) => fc.constantFrom(v.toLowerCase(), `${v} `, ` ${v}`, v.slice(0, -1), `${v}x`, v.toUpperCase()));
    return [
      fc
        .oneof(fc.string(), nearMiss)
        .filter((s) => !allowed.includes(s))
        .map((set): Mutation => ({ kind: 'not in enum', path: field.path, set })),
    ];
  });
}

/** Strings longer than `maxLength` (under the body limit) or shorter than `minLength`. */
export function stringLengthMutations(fields: Field[]): fc.Arbitrary<Mutation>[] {
  return fields.flatMap((field) => {
    const { type, minLength, maxLength } = field.schema;
    if (type !== 'string') return [];
    const out: fc.Arbitrary<Mutation>[] = [];
    if (maxLength !== undefined) {
      out.push(
        fc
          .record({ unit: fc.string({ minLength: 1, maxLength: 4 }), length: fc.integer({ min: maxLength + 1, max: maxLength + 4096 }) })
          .map((long): Mutation => ({ kind: `longer than maxLength ${maxLength}`, path: field.path, long })),
      );
    }
    if (minLength !== undefined && minLength > 0) {
      out.push(fc.string({ maxLength: minLength - 1 }).map((set): Mutation => ({ kind: `shorter than minLength ${minLength}`, path: field.path, set })));
    }
    return out;
  });
}

/** Arrays of valid items (taken from the base) with more than `maxItems` or fewer than `minItems`. */
export function arrayLengthMutations(fields: Field[], base: unknown): fc.Arbitrary<Mutation>[] {
  return fields.flatMap((field) => {
    const { type, minItems, maxItems } = field.schema;
    const items = getAt(base, field.path);
    if (type !== 'array' || !Array.isArray(items) || items.length === 0) return [];
    const item = fc.constantFrom(...items);
    const out: fc.Arbitrary<Mutation>[] = [];
    if (maxItems !== undefined) {
      out.push(
        fc.array(item, { minLength: maxItems + 1, maxLength: maxItems + 64 }).map((set): Mutation => ({ kind: `more than maxItems ${maxItems}`, path: field.path, set })),
      );
    }
    if (minItems !== undefined && minItems > 0) {
      out.push(fc.array(item, { maxLength: minItems - 1 }).map((set): Mutation => ({ kind: `fewer than minItems ${minItems}`, path: field.path, set })));
    }
    return out;
  });
}

/**
 * A field holding arrays or objects nested from `minDepth` levels deep up to about as deep as
 * fits in `bytes` (2 bytes a level for arrays, 6 for objects), and sometimes a little over.
 */
export function deepNestingMutations(fields: Field[], minDepth: number, bytes: number): fc.Arbitrary<Mutation>[] {
  const shapes = [
    { shape: 'array' as const, perLevel: 2 },
    { shape: 'object' as const, perLevel: 6 },
  ];
  return fields.map((field) =>
    fc
      .constantFrom(...shapes)
      .chain(({ shape, perLevel }) =>
        fc.integer({ min: minDepth, max: Math.floor((bytes * 1.1) / perLevel) }).map((depth) => ({ shape, depth })),
      )
      .map((deep): Mutation => ({ kind: 'deeply nested', path: field.path, deep })),
  );
}

/** Any field (or an unknown extra one) set to a string longer than `limit` bytes. */
export function oversizeMutations(fields: Field[], limit: number): fc.Arbitrary<Mutation>[] {
  const paths: Path[] = [...fields.map((f) => f.path), ['unknownExtraField']];
  return [
    fc
      .record({
        path: fc.constantFrom(...paths),
        unit: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
        length: fc.integer({ min: limit + 1, max: 2 * limit }),
      })
      .map(({ path, unit, length }): Mutation => ({ kind: `over the ${limit}-byte body limit`, path, long: { unit, length } })),
  ];
}

function isJson(text: string): boolean {
  try {
    // RFC 8259 lets a parser ignore a byte order mark, and the body decoder drops it.
    JSON.parse(text.replace(/^\uFEFF/, ''));
    return true;
  } catch {
    return false;
  }
}

/** Non-empty texts that are not JSON: arbitrary ones, the valid base truncated, or broken by one insertion. */
export function malformedJson(baseText: string): fc.Arbitrary<string> {
  const breaker = fc.constantFrom('{', '}', '[', ']', ',', ':', '"', "'", 'undefined', 'NaN', '\\', '//', '/*', '\u0000');
  return fc
    .oneof(
      fc.string({ minLength: 1 }),
      fc.string({ unit: 'grapheme', minLength: 1 }),
      fc.integer({ min: 1, max: baseText.length - 1 }).map((k) => baseText.slice(0, k)),
      fc
        .tuple(fc.integer({ min: 0, max: baseText.length }), breaker)
        .map(([at, insert]) => baseText.slice(0, at) + insert + baseText.slice(at)),
    )
    .filter((text) => !isJson(text));
}

const token = fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,15}$/);

/** A `type/subtype` media type (sometimes with parameters) other than application/json. */
export function wrongContentType(): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.tuple(token, token).map(([type, subtype]) => `${type}/${subtype}`),
      fc.constantFrom(
        'text/plain',
        'text/json',
        'text/html',
        'text/javascript',
        'application/xml',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
        'application/x-json',
        'application/jsonx',
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/problem+json',
        'application/ld+json',
        'multipart/form-data; boundary=xyz',
      ),
      fc.tuple(token, token, token, token).map(([type, subtype, key, value]) => `${type}/${subtype}; ${key}=${value}`),
    )
    .filter((type) => type.split(';')[0]!.trim().toLowerCase() !== 'application/json');
}

const CODECS = {
  gzip: { encode: gzipSync, decode: gunzipSync },
  deflate: { encode: deflateSync, decode: inflateSync },
  br: { encode: brotliCompressSync, decode: brotliDecompressSync },
} as const;

export type ContentEncoding = keyof typeof CODECS;

/** A body labelled with a supported Content-Encoding that does not decode; `hex` are its bytes. */
export interface UndecodableBody {
  encoding: ContentEncoding;
  how: string;
  hex: string;
}

function decodes(encoding: ContentEncoding, bytes: Buffer): boolean {
  try {
    CODECS[encoding].decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Bodies a client may send with a wrong Content-Encoding: the plain JSON text (not encoded at
 * all), arbitrary bytes, and the valid encoded text cut short.
 */
export function undecodableBody(baseText: string): fc.Arbitrary<UndecodableBody> {
  const plain = Buffer.from(baseText);
  return fc
    .constantFrom<ContentEncoding>('gzip', 'deflate', 'br')
    .chain((encoding) => {
      const encoded = CODECS[encoding].encode(plain);
      return fc.oneof(
        fc.constant({ encoding, how: 'not encoded', bytes: plain }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ encoding, how: 'arbitrary bytes', bytes: Buffer.from(bytes) })),
        fc.integer({ min: 1, max: encoded.length - 1 }).map((k) => ({ encoding, how: `truncated to ${k} bytes`, bytes: encoded.subarray(0, k) })),
      );
    })
    .filter(({ encoding, bytes }) => !decodes(encoding, bytes))
    .map(({ encoding, how, bytes }) => ({ encoding, how, hex: bytes.toString('hex') }));
}
