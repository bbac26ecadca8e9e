/**
 * Checks for the served OpenAPI document, as a client generator and a contract test would apply them:
 * `openApi30Problems` finds schema constructs OpenAPI 3.0 does not allow (tuple `items`, `additionalItems`,
 * `type: "null"`…), and `schemaProblems` validates a real response body against the documented schema (the
 * subset of JSON Schema the document uses: type, nullable, required, properties, additionalProperties, items,
 * anyOf, enum, min/maxItems). Test-only: no validator is a dependency of the project.
 */

type Schema = Record<string, unknown>;

const NOT_IN_OPENAPI_30 = ['additionalItems', 'prefixItems', 'const', 'patternProperties', '$id', 'examples', 'if', 'then', 'else'];

export function openApi30Problems(value: unknown, where = '#'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => openApi30Problems(v, `${where}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  const o = value as Schema;
  // Only schema objects have `type`; `items` must then be one schema, never a list.
  if ('items' in o && Array.isArray(o.items)) out.push(`${where}: items is a list (tuple); OpenAPI 3.0 needs one schema`);
  if (o.type === 'null') out.push(`${where}: type "null" is not OpenAPI 3.0 (use nullable: true)`);
  for (const k of NOT_IN_OPENAPI_30) if (k in o && (where.includes('/schema') || where.includes('/properties'))) out.push(`${where}: keyword ${k}`);
  for (const [k, v] of Object.entries(o)) out.push(...openApi30Problems(v, `${where}/${k}`));
  return out;
}

function typeOk(type: unknown, v: unknown): boolean {
  switch (type) {
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'string':
    case 'boolean':
      return typeof v === type;
    default:
      return true;
  }
}

export function schemaProblems(schema: Schema, v: unknown, where = '$'): string[] {
  if (v === null && schema.nullable === true) return [];
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => schemaProblems(s, v, where).length === 0);
    return ok ? [] : [`${where}: matches none of anyOf`];
  }
  if (schema.type !== undefined && !typeOk(schema.type, v)) return [`${where}: ${JSON.stringify(v)} is not ${String(schema.type)}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(v)) return [`${where}: ${JSON.stringify(v)} not in enum`];
  const out: string[] = [];
  if (Array.isArray(v)) {
    if (typeof schema.minItems === 'number' && v.length < schema.minItems) out.push(`${where}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) out.push(`${where}: more than ${schema.maxItems} items`);
    if (schema.items && !Array.isArray(schema.items)) v.forEach((x, i) => out.push(...schemaProblems(schema.items as Schema, x, `${where}[${i}]`)));
  } else if (v !== null && typeof v === 'object') {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in v)) out.push(`${where}.${r}: required but missing`);
    for (const [k, x] of Object.entries(v)) {
      if (props[k]) out.push(...schemaProblems(props[k], x, `${where}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${where}.${k}: not documented`);
    }
  }
  return out;
}

/** The documented JSON schema of `method path` answering `status`, or why there is none. */
export function documentedSchema(doc: { paths: Record<string, Record<string, Schema>> }, method: string, path: string, status: number): Schema | string {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) return `${method} ${path} is not in the document`;
  const res = (op.responses as Record<string, Schema>)[String(status)];
  if (!res) return `${method} ${path} does not document status ${status}`;
  const schema = (res.content as Record<string, { schema?: Schema }> | undefined)?.['application/json']?.schema;
  return schema ?? `${method} ${path} ${status} has no JSON schema`;
}
