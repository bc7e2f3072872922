import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sequentialNames } from '../../src/dialects/aliyun/naming.js';
import {
  descriptionRule,
  hostNameShapeRule,
  instanceNameRule,
  isBase64,
  isValidHostName,
  isValidLinuxHostName,
  isValidPassword,
  isValidWindowsHostName,
  passwordFitsOs,
  passwordRule,
  USER_DATA_MAX_BYTES,
  userDataBase64Rule,
  userDataSizeRule,
  vncPasswordRule,
} from '../../src/dialects/aliyun/rules.js';

/** Each value with the verdict expected of `check`, reported one by one. */
function verdicts(check: (value: string) => boolean, valid: string[], invalid: string[]): void {
  for (const value of valid) assert.equal(check(value), true, `should accept ${JSON.stringify(value)}`);
  for (const value of invalid) assert.equal(check(value), false, `should reject ${JSON.stringify(value)}`);
}

// The seed's list plus the backtick the SDK's RunInstances/ModifyInstanceAttribute docs also name.
const SPECIALS = "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/";

describe('instance password: 8-30 characters, three of four classes, the documented specials', () => {
  test('length 8 to 30 inclusive', () => {
    verdicts(
      isValidPassword,
      ['Abcdef1!', 'Abcdefg1', 'Ab1!' + 'x'.repeat(26)],
      ['Abcde1!', 'Ab1!' + 'x'.repeat(27), ''],
    );
  });

  test('at least three of upper case, lower case, digits and specials', () => {
    verdicts(
      isValidPassword,
      ['Abcdefgh1', 'abcdefg1!', 'ABCDEFG1!', 'Abcdefgh!', 'Test123456&$'],
      ['abcdefgh', 'abcdefg1', 'ABCDEFG1', 'abcdefg!', 'ABCDEFG!', '1234567!', '12345678'],
    );
  });

  test('every documented special counts as a special and is allowed', () => {
    for (const special of SPECIALS) {
      assert.equal(isValidPassword(`Abcdefg${special}`), true, `special ${special}`);
      assert.equal(isValidPassword(`abcdefg1${special}`), true, `special ${special}`);
    }
  });

  test('any other character is refused, whatever else the password has', () => {
    for (const other of [' ', '"', '\\', 'é', '字', '\t', '\n', '€']) {
      assert.equal(isValidPassword(`Abcdef1!${other}`), false, `character ${JSON.stringify(other)}`);
    }
  });

  test('on Windows it may not start with a slash; elsewhere it may', () => {
    assert.equal(passwordFitsOs('/Abcdef1', 'windows'), false);
    assert.equal(passwordFitsOs('Abc/def1', 'windows'), true);
    assert.equal(passwordFitsOs('/Abcdef1', 'linux'), true);
    assert.equal(isValidPassword('/Abcdef1'), true, 'the OS-independent part accepts it');
  });

  test('the rule carries the documented code', () => {
    assert.equal(passwordRule.code, 'InvalidPassword.Malformed');
    assert.equal(passwordRule.status ?? 400, 400);
    assert.equal(passwordRule.test('Test123456&$'), true);
    assert.equal(passwordRule.test('weak'), false);
  });
});

describe('host names (ModifyInstanceAttributeRequest.hostName)', () => {
  test('Windows: 2-15 letters, digits and hyphens', () => {
    verdicts(
      isValidWindowsHostName,
      ['ab', 'WIN-2022', 'a1', 'a'.repeat(15), '1a', '123a', 'a-b-c'],
      ['a', 'a'.repeat(16), '', 'a.b', 'a_b', 'a b', 'ä1', 'host!'],
    );
  });

  test('Windows: no hyphen first or last, no consecutive hyphens, not digits only', () => {
    verdicts(isValidWindowsHostName, ['a-b', 'a1-2b'], ['-ab', 'ab-', 'a--b', '12', '123456789012345', '-']);
  });

  test('Linux: 2-64 characters in dot-separated segments of letters, digits and hyphens', () => {
    verdicts(
      isValidLinuxHostName,
      ['ab', 'a.b', 'web-01.prod.example', 'a'.repeat(64), `${'a'.repeat(31)}.${'b'.repeat(32)}`, '1234', 'A-B.C-D'],
      ['a', 'a'.repeat(65), '', 'a_b', 'a b', 'ä.b', 'host!', 'a/b'],
    );
  });

  test('Linux: no consecutive dots or hyphens, no dot or hyphen first or last', () => {
    verdicts(isValidLinuxHostName, ['a-b.c', 'a.b-c.d'], ['a..b', 'a--b', '.ab', 'ab.', '-ab', 'ab-', '..', '-.']);
  });

  test('the right rule for the OS: dots and 16+ characters only on Linux', () => {
    assert.equal(isValidHostName('a.b', 'linux'), true);
    assert.equal(isValidHostName('a.b', 'windows'), false);
    assert.equal(isValidHostName('a'.repeat(16), 'linux'), true);
    assert.equal(isValidHostName('a'.repeat(16), 'windows'), false);
    assert.equal(isValidHostName('12', 'windows'), false);
  });

  test('the OS-independent shape rule accepts what either OS accepts, with the documented code', () => {
    verdicts(
      hostNameShapeRule.test,
      ['ab', 'a.b', 'win-01', 'a'.repeat(64)],
      ['a', 'a..b', '-ab', 'a'.repeat(65), 'a_b'],
    );
    assert.equal(hostNameShapeRule.code, 'InvalidHostName.Malformed');
  });
});

describe('instance name: 2-128, starts with a letter or Chinese character', () => {
  test('length and first character', () => {
    verdicts(
      instanceNameRule.test,
      ['ab', 'testInstanceName', 'a'.repeat(128), '中文', '实例-01', 'Z9'],
      ['a', 'a'.repeat(129), '', '1abc', '_abc', '-abc', ':abc', '.abc'],
    );
  });

  test('digits, colons, underscores, periods and hyphens inside; nothing else', () => {
    verdicts(instanceNameRule.test, ['web:01_a.b-c', 'a1', 'a_'], ['a b', 'a/b', 'a!', 'a@b', 'a#b']);
  });

  test('never http:// or https:// first', () => {
    verdicts(instanceNameRule.test, ['httpd-server', 'http'], ['http://example', 'https://example']);
    assert.equal(instanceNameRule.code, 'InvalidInstanceName.Malformed');
  });
});

describe('description: 2-256, not a URL first', () => {
  test('length', () => {
    verdicts(
      descriptionRule.test,
      ['ab', 'd'.repeat(256), 'any text, 中文 and symbols !@#'],
      ['a', '', 'd'.repeat(257)],
    );
  });

  test('never http:// or https:// first, anywhere else is fine', () => {
    verdicts(descriptionRule.test, ['see http://example.com', 'httpx'], ['http://example.com', 'https://example.com']);
    assert.equal(descriptionRule.code, 'InvalidDescription.Malformed');
  });
});

describe('VNC password: exactly 6 letters and digits with upper case, lower case and a digit', () => {
  test('length exactly 6', () => {
    verdicts(vncPasswordRule.test, ['Ab1234', 'aB3cD4'], ['Ab123', 'Ab12345', '']);
  });

  test('all three classes, and nothing else', () => {
    verdicts(vncPasswordRule.test, ['Z9zzzz'], ['ab1234', 'AB1234', 'Abcdef', '123456', 'Ab12!4', 'Ab12 4', 'Äb1234']);
    assert.equal(vncPasswordRule.code, 'IncorrectVncPassword.Malformed');
  });
});

describe('user data: base64 of at most 32 KB raw', () => {
  test('base64 is recognised by its alphabet, padding and length', () => {
    verdicts(
      isBase64,
      ['ZWNobyBoZWxsbyBlY3Mh', 'ZWNobyBoaQ==', 'YWI=', 'ab+/', ''],
      ['abc', 'ab!=', 'a===', '====', 'ab=c', 'ab-_', 'ZWNo\nbyBo', 'ZW Nv'],
    );
    assert.equal(userDataBase64Rule.test('!!!!'), false);
    assert.equal(userDataBase64Rule.code, 'InvalidUserData.Base64FormatInvalid');
  });

  test('32 KB raw is the limit, measured after decoding', () => {
    assert.equal(USER_DATA_MAX_BYTES, 32 * 1024);
    const base64Of = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');
    assert.equal(userDataSizeRule.test(base64Of(32 * 1024)), true);
    assert.equal(userDataSizeRule.test(base64Of(32 * 1024 + 1)), false);
    assert.equal(userDataSizeRule.test(base64Of(32 * 1024 - 1)), true, 'padding is not counted as data');
    assert.equal(userDataSizeRule.code, 'InvalidUserData.SizeExceeded');
  });

  test('the size rule leaves malformed input to the base64 rule', () => {
    assert.equal(userDataSizeRule.test('not base64!'.repeat(10_000)), true);
  });
});

describe('sequentialNames (RunInstances batch names)', () => {
  test('name_prefix[begin,digits]name_suffix counts up from begin, zero-padded', () => {
    assert.deepEqual(sequentialNames('web-[1,3]-prod', 3, false), ['web-001-prod', 'web-002-prod', 'web-003-prod']);
    assert.deepEqual(sequentialNames('node[0,1]', 2, false), ['node0', 'node1']);
    assert.deepEqual(sequentialNames('[98,2]x', 3, false), ['98x', '99x', '100x']);
    assert.deepEqual(sequentialNames('h[7,6]', 1, false), ['h000007']);
  });

  test('the pattern wins over UniqueSuffix', () => {
    assert.deepEqual(sequentialNames('db[5,2]', 2, true), ['db05', 'db06']);
  });

  test('digits outside 1-6 are not a pattern', () => {
    assert.deepEqual(sequentialNames('a[1,7]', 2, false), ['a[1,7]', 'a[1,7]']);
    assert.deepEqual(sequentialNames('a[1,0]', 2, false), ['a[1,0]', 'a[1,0]']);
  });

  test('UniqueSuffix appends a three-digit sequence for a batch, not for one instance', () => {
    assert.deepEqual(sequentialNames('web', 3, true), ['web001', 'web002', 'web003']);
    assert.deepEqual(sequentialNames('web', 1, true), ['web']);
  });

  test('otherwise every instance gets the name as given; no name stays no name', () => {
    assert.deepEqual(sequentialNames('web', 2, false), ['web', 'web']);
    assert.deepEqual(sequentialNames(undefined, 2, true), [undefined, undefined]);
  });
});
