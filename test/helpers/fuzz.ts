import type { Fields } from '../../src/dialects/aliyun/params.js';
import { REGION } from './aliyun.js';

/** Parameter values that sit on a rule's edge or break a parser: numbers, JSON, ids, XML, NUL. */
export const TRICKY_VALUES = [
  '',
  REGION,
  'JSON',
  'XML',
  'true',
  'FALSE',
  '0',
  '1',
  '-1',
  '101',
  '1e3',
  '99999999999999999999',
  'abc',
  '[]',
  '["i-bp1"]',
  '[1,2]',
  '{"a":1}',
  'null',
  'i-bp1abcdefghijklmnopq',
  'sg-bp1abcdefghijklmnopq',
  'Running',
  'Stopped',
  'ecs.g7.large',
  'Test123456&$',
  'ZWNobyBoaQ==',
  '!!!not base64',
  '<x>&amp;</x>',
  ']]>',
  '\0',
  '2024-01-01T00:00:00Z',
];

/**
 * Pieces of URL text that break decoding (lone and invalid escapes, overlong and surrogate UTF-8)
 * or its structure, all printable ASCII, as a request target must be.
 */
export const URL_GARBAGE = [
  '%',
  '%%',
  '%zz',
  '%E0%A4',
  '%FF',
  '%00',
  '%C0%AF',
  '%ED%A0%80',
  '%2',
  '%u1234',
  '+',
  '&',
  '=',
  '&&=',
  '.',
  '/',
] as const;

/**
 * Parameter names an operation declares, flattened as the SDKs send them, plus wrong ones: index 0,
 * an index past any limit, an unindexed list and a non-numeric object-list index. `farIndex` is the
 * second index each object list is given.
 */
export function keysOf(fields: Fields, farIndex: number, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([name, spec]) => {
    const full = prefix + name;
    switch (spec.kind) {
      case 'list':
        return [`${full}.1`, `${full}.2`, `${full}.0`, `${full}.99999`, full];
      case 'object':
        return keysOf(spec.fields, farIndex, `${full}.`);
      case 'objectList':
        return [
          ...keysOf(spec.fields, farIndex, `${full}.1.`),
          ...keysOf(spec.fields, farIndex, `${full}.${farIndex}.`),
          `${full}.x.Key`,
        ];
      default:
        return [full];
    }
  });
}
