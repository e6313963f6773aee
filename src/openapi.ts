import type { OpenAPIObject } from '@nestjs/swagger';

/** Object keys sorted at every level, and `required` lists sorted, so the same code always writes the same file. */
function sortDeep(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => sortDeep(v));
    return key === 'required' && items.every((i) => typeof i === 'string') ? [...(items as string[])].sort() : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortDeep((value as Record<string, unknown>)[k], k)]),
    );
  }
  return value;
}

export function stableOpenApiJson(document: OpenAPIObject): string {
  return JSON.stringify(sortDeep(document), null, 2) + '\n';
}

export const OPENAPI_FILE = 'openapi/openapi.json';
