import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderSuccess } from '../../src/dialects/aliyun/render.js';

describe('Alibaba success bodies', () => {
  const fields = { InstanceId: 'i-1', Description: 'a "quoted" \u2028 text', Tags: { Tag: [{ TagKey: 'k' }] } };

  test('frozen fields, rendered once and reused, give the same bytes as rendering them afresh', () => {
    const frozen = Object.freeze({ ...fields });
    for (const requestId of ['A-1', 'B-2']) {
      const expected = JSON.stringify({ RequestId: requestId, ...fields });
      assert.equal(renderSuccess('X', fields, requestId, 'JSON').body, expected);
      assert.equal(renderSuccess('X', frozen, requestId, 'JSON').body, expected);
    }
  });

  test('no fields at all: just the RequestId', () => {
    assert.equal(renderSuccess('X', {}, 'A-1', 'JSON').body, '{"RequestId":"A-1"}');
    assert.equal(renderSuccess('X', Object.freeze({}), 'A-1', 'JSON').body, '{"RequestId":"A-1"}');
  });

  test('XML renders frozen fields too', () => {
    assert.match(renderSuccess('X', Object.freeze({ ...fields }), 'A-1', 'XML').body, /<InstanceId>i-1<\/InstanceId>/);
  });
});
