import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { auditOf } from '../console/helpers.js';
import {
  bccStatus,
  createInstance,
  encryptAdminPass,
  instanceAction,
  signedRequest,
  waitForBccStatus,
} from '../helpers/bce.js';
import { openecs, TestServer, until } from '../helpers/server.js';
import { gatewayUrlOf, GuestConsole } from '../helpers/guest-console.js';

/** A key whose secret starts with protocols.md 2.2's AES key, so the documented vector works end to end. */
const VECTOR_KEY = { id: 'BceVectorKey000000000001', secret: 'abcdef0123456789RestOfTheSecret01' };
const VECTOR = { password: 'NewPass@123', hex: '53e0bc10a3d4f0074cec488a91d814c6' };
const OLD_PASSWORD = 'OldPass@123';

async function vncUrl(server: TestServer, id: string): Promise<string> {
  const answer = await until(async () => {
    const r = await signedRequest(server, { method: 'GET', path: `/v2/instance/${id}/vnc`, key: VECTOR_KEY });
    return r.status === 200 && r;
  }, `a console for ${id}`);
  return answer.json.vncUrl as string;
}

/** Logs in as root on the guest's console; true when a shell prompt follows, false on "Login incorrect". */
async function logsIn(server: TestServer, id: string, password: string): Promise<boolean> {
  const console = await GuestConsole.open(gatewayUrlOf(await vncUrl(server, id)));
  try {
    console.type('\n');
    await console.waitForLastLine(/login:$/, 'the login prompt');
    console.type('root\n');
    await console.waitForLastLine(/^Password:$/, 'the password prompt');
    console.type(`${password}\n`);
    const screen = await console.waitForLastLine(/(login:|~#)$/, 'the outcome of the login');
    if (!/~# ?#?$/.test(screen.trimEnd())) {
      assert.match(screen, /Login incorrect/);
      return false;
    }
    console.type('whoami\n');
    const after = await console.waitForLastLine(/~#$/, 'whoami to finish', /~# whoami\nroot\n/);
    assert.match(after, /~# whoami\nroot\n/, 'whoami answers root in the shell');
    // The guest's terminal outlives the connection: log out for the next check.
    console.type('exit\n');
    await console.waitForLastLine(/login:$/, 'the login prompt after logout');
    return true;
  } finally {
    console.close();
  }
}

describe('Baidu changePass: encrypted transmission, restart, login on the guest', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({
      transitionSeconds: 0.5,
      env: { OPENECS_ACCESS_KEY_ID: VECTOR_KEY.id, OPENECS_ACCESS_KEY_SECRET: VECTOR_KEY.secret },
    });
  });
  after(() => server.dispose());

  test('the test vector of protocols.md 2.2: key abcdef0123456789, NewPass@123', () => {
    assert.equal(encryptAdminPass(VECTOR.password, 'abcdef0123456789'), VECTOR.hex);
  });

  test('on a Running instance: Stopping, Starting, Running, and then the new password logs in on the console', async () => {
    const [id] = await createInstance(server, { adminPass: OLD_PASSWORD, name: 'pass-running' }, { key: VECTOR_KEY });
    await waitForBccStatus(server, id!, 'Running', { key: VECTOR_KEY });
    assert.equal(await logsIn(server, id!, OLD_PASSWORD), true, 'the password given at creation logs in');

    // The documented vector, upper-case hex, the Go SDK's bare `?changePass`.
    const changed = await instanceAction(
      server,
      id!,
      'changePass',
      { adminPass: VECTOR.hex.toUpperCase() },
      { key: VECTOR_KEY },
    );
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(changed.json, {}, 'a JSON body, as the Go SDK needs');
    assert.equal(changed.headers['content-type'], 'application/json;charset=UTF-8');
    assert.match(String(changed.headers['x-bce-request-id']), /^[0-9a-f-]{36}$/);

    const seen = new Set<string>();
    await until(async () => {
      const status = await bccStatus(server, id!, { key: VECTOR_KEY });
      seen.add(status);
      return status === 'Running' && seen.has('Starting');
    }, 'the restart to finish');
    assert.ok(seen.has('Stopping') && seen.has('Starting'), `the server restarted: ${[...seen].join(', ')}`);

    assert.equal(await logsIn(server, id!, OLD_PASSWORD), false, 'the old password no longer logs in');
    assert.equal(await logsIn(server, id!, VECTOR.password), true, 'the new password logs in');

    const audit = await auditOf(server, id!);
    const record = audit.find((r) => r.action === 'ChangeInstancePass');
    assert.ok(record, 'changePass is audited');
    assert.equal(record.dialect, 'baidu');
    assert.equal(record.outcome, 'Success');
    assert.equal(record.accessKeyId, VECTOR_KEY.id);
    assert.equal(record.detail, 'adminPass', 'names only');
    const create = audit.find((r) => r.action === 'CreateInstance');
    assert.deepEqual([create?.outcome, create?.detail], ['Success', 'adminPass,imageId,name,spec']);
    assert.ok(!JSON.stringify(audit).includes(VECTOR.hex) && !JSON.stringify(audit).includes(VECTOR.password));
  });

  test('on a Stopped instance: stays Stopped, and the password is in force from the next start', async () => {
    const [id] = await createInstance(server, { adminPass: OLD_PASSWORD }, { key: VECTOR_KEY });
    await waitForBccStatus(server, id!, 'Running', { key: VECTOR_KEY });
    assert.equal((await instanceAction(server, id!, 'stop', undefined, { key: VECTOR_KEY })).status, 200);
    await waitForBccStatus(server, id!, 'Stopped', { key: VECTOR_KEY });

    // The Python SDK's way: `?changePass=` and a JSON body without Content-Type, default signed headers.
    const changed = await signedRequest(server, {
      method: 'PUT',
      path: `/v2/instance/${id}`,
      query: [['changePass', '']],
      body: { adminPass: encryptAdminPass('Fresh(Pass)42', VECTOR_KEY.secret) },
      contentType: null,
      signedHeaders: '',
      key: VECTOR_KEY,
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(await bccStatus(server, id!, { key: VECTOR_KEY }), 'Stopped', 'a Stopped instance is not started');
    const shown = await openecs(['instances', 'show', id!, '--json', '--data-dir', server.dataDir]);
    assert.match(shown.stdout, /"attribute": "Password"/, 'the password waits for the next start');

    assert.equal((await instanceAction(server, id!, 'start', undefined, { key: VECTOR_KEY })).status, 200);
    await waitForBccStatus(server, id!, 'Running', { key: VECTOR_KEY });
    assert.equal(await logsIn(server, id!, 'Fresh(Pass)42'), true);
  });

  test('the password rules at their edges: 8 and 32 characters, and each of the symbols !@#$%^*() is accepted', async () => {
    const [id] = await createInstance(server, { adminPass: OLD_PASSWORD }, { key: VECTOR_KEY });
    await waitForBccStatus(server, id!, 'Running', { key: VECTOR_KEY });
    assert.equal((await instanceAction(server, id!, 'stop', undefined, { key: VECTOR_KEY })).status, 200);
    await waitForBccStatus(server, id!, 'Stopped', { key: VECTOR_KEY });
    const longest = 'Ab1!@#$%^*()' + 'x'.repeat(20);
    assert.equal(longest.length, 32);
    const passwords = [...'!@#$%^*()'].map((symbol) => `Abcdefg1${symbol}`).concat('Abcde12!', longest);
    for (const password of passwords) {
      const answer = await instanceAction(
        server,
        id!,
        'changePass',
        { adminPass: encryptAdminPass(password, VECTOR_KEY.secret) },
        { key: VECTOR_KEY },
      );
      assert.equal(answer.status, 200, `${password.length} characters: ${answer.text}`);
    }
    assert.equal((await instanceAction(server, id!, 'start', undefined, { key: VECTOR_KEY })).status, 200);
    await waitForBccStatus(server, id!, 'Running', { key: VECTOR_KEY });
    assert.equal(await logsIn(server, id!, longest), true, 'the last one accepted is in force');
  });

  test('refusals: bad ciphertext, wrong key, bad padding, bad JSON, password rules, state; nothing changes', async () => {
    const [id] = await createInstance(server, { adminPass: OLD_PASSWORD }, { key: VECTOR_KEY });
    await waitForBccStatus(server, id!, 'Running', { key: VECTOR_KEY });
    const put = (body: unknown) => instanceAction(server, id!, 'changePass', body, { key: VECTOR_KEY });
    const enc = (password: string) => encryptAdminPass(password, VECTOR_KEY.secret);
    const badPadding = (() => {
      const cipher = createCipheriv('aes-128-ecb', Buffer.from(VECTOR_KEY.secret.slice(0, 16)), null).setAutoPadding(
        false,
      );
      return Buffer.concat([cipher.update(Buffer.from('NewPass@123\0\0\0\0\0')), cipher.final()]).toString('hex');
    })();
    const cases: [string, unknown, string, RegExp][] = [
      ['not hexadecimal', { adminPass: 'zz'.repeat(16) }, 'InappropriateJSON', /hexadecimal/],
      ['not whole blocks', { adminPass: VECTOR.hex.slice(0, 30) }, 'InappropriateJSON', /16-byte blocks/],
      [
        'the wrong key',
        { adminPass: encryptAdminPass(VECTOR.password, 'ffffffffffffffff') },
        'InappropriateJSON',
        /adminPass/,
      ],
      ['bad padding', { adminPass: badPadding }, 'InappropriateJSON', /could not be decrypted/],
      ['a clear-text password', { adminPass: VECTOR.password }, 'InappropriateJSON', /hexadecimal/],
      ['no adminPass', {}, 'InappropriateJSON', /adminPass is required/],
      ['adminPass not a string', { adminPass: 42 }, 'InappropriateJSON', /adminPass must be a string/],
      ['broken JSON', '{"adminPass": "53e0', 'MalformedJSON', /not valid JSON/],
      ['a JSON array', '[]', 'InappropriateJSON', /JSON object/],
      ['7 characters', { adminPass: enc('Ab1!xyz') }, 'InappropriateJSON', /8 to 32/],
      ['33 characters', { adminPass: enc('Ab1!' + 'x'.repeat(29)) }, 'InappropriateJSON', /8 to 32/],
      ['no symbol', { adminPass: enc('NoSymbol123') }, 'InappropriateJSON', /must contain/],
      ['no digit', { adminPass: enc('NoDigits!!') }, 'InappropriateJSON', /must contain/],
      ['no letter', { adminPass: enc('12345678!@') }, 'InappropriateJSON', /must contain/],
      ['a symbol outside !@#$%^*()', { adminPass: enc('Bad&Sym12') }, 'InappropriateJSON', /only letters/],
      ['a space', { adminPass: enc('Has space1!') }, 'InappropriateJSON', /only letters/],
      ['a non-ASCII letter', { adminPass: enc('Pässwort1!') }, 'InappropriateJSON', /only letters/],
    ];
    for (const [what, body, code, message] of cases) {
      const answer = await put(body);
      assert.equal(answer.status, 400, `${what}: ${answer.text}`);
      assert.equal(answer.json.code, code, what);
      assert.match(String(answer.json.message), message, what);
      assert.deepEqual(Object.keys(answer.json).sort(), ['code', 'message', 'requestId'], what);
      assert.equal(answer.json.requestId, answer.headers['x-bce-request-id'], what);
      assert.ok(
        !answer.text.includes(VECTOR.password) && !answer.text.includes('Bad&Sym12'),
        `${what}: no secret echoed`,
      );
    }
    assert.equal(await bccStatus(server, id!, { key: VECTOR_KEY }), 'Running', 'no refused call restarted the server');

    const missing = await instanceAction(
      server,
      'i-doesnotexist',
      'changePass',
      { adminPass: VECTOR.hex },
      { key: VECTOR_KEY },
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 'NoSuchObject');

    // Only Running or Stopped: a restart in progress is refused with the documented 409.
    assert.equal((await put({ adminPass: VECTOR.hex })).status, 200);
    const during = await put({ adminPass: enc('Another1!') });
    assert.equal(during.status, 409, during.text);
    assert.equal(during.json.code, 'Instance.PasswordOperationForbidden');
    await until(async () => (await bccStatus(server, id!, { key: VECTOR_KEY })) === 'Starting', 'Starting');
    const starting = await put({ adminPass: enc('Another1!') });
    assert.equal(starting.status, 409, starting.text);
    assert.equal(starting.json.code, 'Instance.PasswordOperationForbidden');
    await waitForBccStatus(server, id!, 'Running', { key: VECTOR_KEY });
    assert.equal(await logsIn(server, id!, VECTOR.password), true, 'the refused change left the accepted one in force');

    const locked = await openecs(['instances', 'lock', id!, '--reason', 'security', '--data-dir', server.dataDir]);
    assert.equal(locked.code, 0, locked.stderr);
    const refused = await put({ adminPass: enc('Another1!') });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.code, 'AccessDenied');
    assert.match(String(refused.json.message), /locked/);

    const outcomes = (await auditOf(server, id!))
      .filter((r) => r.action === 'ChangeInstancePass')
      .map((r) => r.outcome);
    assert.equal(
      outcomes.filter((o) => o === 'InappropriateJSON').length,
      cases.filter((c) => c[2] === 'InappropriateJSON').length,
    );
    assert.ok(
      outcomes.includes('MalformedJSON') &&
        outcomes.includes('Instance.PasswordOperationForbidden') &&
        outcomes.includes('AccessDenied'),
    );
  });
});
