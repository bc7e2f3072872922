import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Region } from '../../src/rfb/region.js';

const all = { x: 0, y: 0, width: 1000, height: 1000 };

test('adjacent glyph cells merge into one rectangle, distant ones stay apart', () => {
  const region = new Region();
  for (let col = 0; col < 5; col++) region.add({ x: col * 8, y: 16, width: 8, height: 16 });
  region.add({ x: 400, y: 300, width: 8, height: 16 });
  assert.deepEqual(region.within(all), [
    { x: 0, y: 16, width: 40, height: 16 },
    { x: 400, y: 300, width: 8, height: 16 },
  ]);
});

test('take returns the part inside the clip and leaves the rest', () => {
  const region = new Region();
  region.add({ x: 0, y: 0, width: 100, height: 100 });
  assert.deepEqual(region.take({ x: 50, y: 50, width: 100, height: 100 }), [{ x: 50, y: 50, width: 50, height: 50 }]);
  const rest = region.within(all);
  assert.equal(
    rest.reduce((sum, r) => sum + r.width * r.height, 0),
    100 * 100 - 50 * 50,
  );
  assert.deepEqual(region.take(all).length, rest.length);
  assert.deepEqual(region.within(all), []);
});

test('a flood of scattered damage collapses to its bounding box', () => {
  const region = new Region();
  for (let i = 0; i < 100; i++) region.add({ x: (i * 37) % 900, y: (i * 91) % 900, width: 2, height: 2 });
  const rects = region.within(all);
  assert.ok(rects.length <= 16, `${rects.length} rectangles`);
  for (let i = 0; i < 100; i++) {
    const x = (i * 37) % 900;
    const y = (i * 91) % 900;
    assert.ok(rects.some((r) => r.x <= x && r.y <= y && r.x + r.width >= x + 2 && r.y + r.height >= y + 2));
  }
});
