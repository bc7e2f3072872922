import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ecsClient } from '../helpers/aliyun.js';
import { TestServer } from '../helpers/server.js';
import { describeVncUrl, expectRefused, openWs, readyInstance, SHIFT_L, WsViewer } from './helpers.js';

/**
 * The two console rules that take a minute to show, at Alibaba's defaults, in one minute of real
 * time: a session closes 60 s after its last keyboard or mouse input, and the cap of 30
 * connections an instance admits in a minute lifts as the minute passes. (The other console tests
 * run the same code with the idle time and the cap lowered.)
 */
test('at the defaults, a session closes 60 s after its last input, and the 30-a-minute cap lifts once the minute has passed', async () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const server = await TestServer.start();
  try {
    const ecs = ecsClient(server);
    const instanceId = await readyInstance(ecs);
    const viewer = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, null);
    for (let i = 1; i < 30; i++) {
      const opened = await openWs((await describeVncUrl(ecs, instanceId)).url);
      assert.ok('ws' in opened, `connection ${i + 1} of 30 is admitted`);
      opened.ws.close();
    }
    const filled = Date.now();
    assert.equal((await expectRefused((await describeVncUrl(ecs, instanceId)).url)).status, 429);

    viewer.key(SHIFT_L);
    const lastInput = Date.now();
    await sleep(50_000);
    assert.equal(viewer.ws.readyState, viewer.ws.OPEN, 'open 50 s after the last key');
    const closed = await viewer.closed;
    assert.equal(closed.code, 4000);
    assert.match(closed.reason, /no keyboard or mouse input for 60 s/);
    const quiet = closed.at - lastInput;
    assert.ok(quiet >= 59_500 && quiet < 65_000, `closed ${quiet} ms after the last key`);

    // Every admission above is a minute old now, or about to be.
    await sleep(Math.max(0, filled + 60_500 - Date.now()));
    const again = await WsViewer.open((await describeVncUrl(ecs, instanceId)).url, null);
    again.ws.close();
  } finally {
    await server.dispose();
  }
});
