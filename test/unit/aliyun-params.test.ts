import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AliyunError } from '../../src/dialects/aliyun/errors.js';
import { type Fields, p, parseParams, type Rule } from '../../src/dialects/aliyun/params.js';
import { userDataBase64Rule, userDataSizeRule } from '../../src/dialects/aliyun/rules.js';

const parse = (fields: Fields, params: Record<string, string>) => parseParams(fields, new Map(Object.entries(params)));

/** Asserts parsing fails with this code and status, and that the message names `names`. */
function fails(fields: Fields, params: Record<string, string>, code: string, status: number, ...names: string[]) {
  assert.throws(
    () => parse(fields, params),
    (error: unknown) => {
      assert.ok(error instanceof AliyunError, String(error));
      assert.equal(error.code, code, error.message);
      assert.equal(error.status, status, error.message);
      for (const name of names) assert.ok(error.message.includes(name), `"${name}" not in: ${error.message}`);
      return true;
    },
  );
}

describe('strings', () => {
  const fields = {
    Name: p.string({ maxLength: 5 }),
    Kind: p.string({ enum: ['normal', 'enterprise'] }),
  };

  test('pass through as given, absent ones stay absent', () => {
    assert.deepEqual(parse(fields, { Name: 'héllo', Kind: 'normal' }), { Name: 'héllo', Kind: 'normal' });
    assert.deepEqual(parse(fields, {}), {});
    assert.deepEqual(parse(fields, { Name: '' }), { Name: '' });
  });

  test('maxLength and enum are enforced, naming the parameter', () => {
    assert.deepEqual(parse(fields, { Name: 'abcde' }), { Name: 'abcde' });
    fails(fields, { Name: 'abcdef' }, 'InvalidParameter', 400, '"Name"', '5');
    fails(fields, { Kind: 'Normal' }, 'InvalidParameter', 400, '"Kind"', 'normal, enterprise');
  });

  test('parameters no field declares are ignored', () => {
    assert.deepEqual(parse(fields, { Name: 'a', Unknown: 'x', 'Name.1': 'y' }), { Name: 'a' });
  });
});

describe('integers', () => {
  const fields = { Size: p.integer({ min: 1, max: 100 }), Offset: p.integer() };

  test('decimal digits become numbers; the bounds are inclusive', () => {
    assert.deepEqual(parse(fields, { Size: '1' }), { Size: 1 });
    assert.deepEqual(parse(fields, { Size: '100' }), { Size: 100 });
    assert.deepEqual(parse(fields, { Size: '007' }), { Size: 7 });
    assert.deepEqual(parse(fields, { Offset: '-42' }), { Offset: -42 });
  });

  test('out of bounds: InvalidParameter naming the parameter and the range', () => {
    fails(fields, { Size: '0' }, 'InvalidParameter', 400, '"Size"', '1', '100');
    fails(fields, { Size: '101' }, 'InvalidParameter', 400, '"Size"');
    fails(fields, { Size: '-1' }, 'InvalidParameter', 400, '"Size"');
  });

  test('anything but an integer: InvalidParameter', () => {
    for (const value of ['abc', '1.5', '1e3', ' 5', '5 ', '+5', '0x10', '', '9999999999999999', '١٢']) {
      fails(fields, { Offset: value }, 'InvalidParameter', 400, '"Offset"');
    }
  });
});

describe('booleans', () => {
  const fields = { DryRun: p.boolean() };

  test('true and false in any case', () => {
    assert.deepEqual(parse(fields, { DryRun: 'true' }), { DryRun: true });
    assert.deepEqual(parse(fields, { DryRun: 'TRUE' }), { DryRun: true });
    assert.deepEqual(parse(fields, { DryRun: 'False' }), { DryRun: false });
  });

  test('anything else: InvalidParameter', () => {
    for (const value of ['1', '0', 'yes', 'on', 't', '', 'true ']) {
      fails(fields, { DryRun: value }, 'InvalidParameter', 400, '"DryRun"');
    }
  });
});

describe('Name.N lists', () => {
  const fields = { SecurityGroupIds: p.list({ max: 3 }), SecurityGroupId: p.string() };

  test('members are ordered by their index, not by arrival', () => {
    const params = new Map([
      ['SecurityGroupIds.3', 'c'],
      ['SecurityGroupIds.1', 'a'],
      ['SecurityGroupIds.2', 'b'],
    ]);
    assert.deepEqual(parseParams(fields, params), { SecurityGroupIds: ['a', 'b', 'c'] });
  });

  test('indexes sort numerically and gaps close up', () => {
    const wide = { L: p.list({ max: 20 }) };
    assert.deepEqual(parse(wide, { 'L.10': 'ten', 'L.2': 'two', 'L.1': 'one' }), { L: ['one', 'two', 'ten'] });
    assert.deepEqual(parse(wide, { 'L.1': 'a', 'L.3': 'c' }), { L: ['a', 'c'] });
  });

  test('a name that merely starts the same is not a member', () => {
    assert.deepEqual(parse(fields, { SecurityGroupId: 'sg-1', 'SecurityGroupIds.1': 'sg-2' }), {
      SecurityGroupIds: ['sg-2'],
      SecurityGroupId: 'sg-1',
    });
    assert.deepEqual(parse(fields, { SecurityGroupIdsX: 'x' }), {});
  });

  test('a bad index: InvalidParameter naming Name.N and the key', () => {
    for (const index of ['0', '01', 'x', '-1', '99999', '']) {
      const key = `SecurityGroupIds.${index}`;
      fails(fields, { [key]: 'sg' }, 'InvalidParameter', 400, '"SecurityGroupIds.N"', key);
    }
  });

  test('more members than allowed, or an index past the maximum: InvalidParameter', () => {
    assert.deepEqual(parse(fields, { 'SecurityGroupIds.3': 'c' }), { SecurityGroupIds: ['c'] });
    fails(fields, { 'SecurityGroupIds.4': 'd' }, 'InvalidParameter', 400, '"SecurityGroupIds"', '3');
    const four = { 'SecurityGroupIds.1': 'a', 'SecurityGroupIds.2': 'b', 'SecurityGroupIds.3': 'c' };
    fails(fields, { ...four, 'SecurityGroupIds.4': 'd' }, 'InvalidParameter', 400, '"SecurityGroupIds"');
  });
});

describe('JSON lists', () => {
  const fields = { InstanceIds: p.jsonList({ max: 2 }) };

  test('a JSON array of strings in one parameter', () => {
    assert.deepEqual(parse(fields, { InstanceIds: '["i-1","i-2"]' }), { InstanceIds: ['i-1', 'i-2'] });
    assert.deepEqual(parse(fields, { InstanceIds: '[]' }), { InstanceIds: [] });
    assert.deepEqual(parse(fields, { InstanceIds: ' [ "i-1" ] ' }), { InstanceIds: ['i-1'] });
  });

  test('not JSON, not an array, or not strings: InvalidParameter naming it', () => {
    for (const value of ['i-1,i-2', '["i-1"', '{"a":"b"}', '"i-1"', '[1,2]', '[null]', '[["i-1"]]', '']) {
      fails(fields, { InstanceIds: value }, 'InvalidParameter', 400, '"InstanceIds"');
    }
  });

  test('more members than allowed: InvalidParameter', () => {
    fails(fields, { InstanceIds: '["a","b","c"]' }, 'InvalidParameter', 400, '"InstanceIds"', '2');
  });
});

describe('Name.Field objects', () => {
  const fields = {
    CpuOptions: p.object({ Core: p.integer({ min: 1 }), ThreadsPerCore: p.integer({ min: 1, max: 2 }) }),
    RemoteConnectionOptions: p.object({ Password: p.string({ required: true }), Type: p.string() }),
  };

  test('fields arrive dotted and come back as an object; absent fields stay absent', () => {
    assert.deepEqual(parse(fields, { 'CpuOptions.Core': '2', 'CpuOptions.ThreadsPerCore': '1' }), {
      CpuOptions: { Core: 2, ThreadsPerCore: 1 },
    });
    assert.deepEqual(parse(fields, { 'CpuOptions.Core': '4' }), { CpuOptions: { Core: 4 } });
  });

  test('an object none of whose fields is sent is absent, even when one of its fields is required', () => {
    assert.deepEqual(parse(fields, {}), {});
    assert.deepEqual(parse(fields, { CpuOptions: '2' }), {});
  });

  test('a sent object missing a required field: MissingParameter naming Name.Field', () => {
    fails(
      fields,
      { 'RemoteConnectionOptions.Type': 'vnc' },
      'MissingParameter',
      400,
      '"RemoteConnectionOptions.Password"',
    );
  });

  test('a bad field value: InvalidParameter naming Name.Field', () => {
    fails(fields, { 'CpuOptions.ThreadsPerCore': '3' }, 'InvalidParameter', 400, '"CpuOptions.ThreadsPerCore"');
  });
});

describe('Name.N.Field object lists', () => {
  const fields = {
    Tag: p.objectList({ Key: p.string({ required: true }), Value: p.string() }, { max: 3 }),
    DataDisk: p.objectList({ Size: p.integer({ min: 20, max: 32768 }), Category: p.string() }, { max: 2 }),
  };

  test('members by index, each an object of its fields', () => {
    const parsed = parse(fields, { 'Tag.2.Key': 'team', 'Tag.1.Value': 'prod', 'Tag.1.Key': 'env' });
    assert.deepEqual(parsed, { Tag: [{ Key: 'env', Value: 'prod' }, { Key: 'team' }] });
    assert.deepEqual(parse(fields, { 'DataDisk.1.Size': '40' }), { DataDisk: [{ Size: 40 }] });
  });

  test('a bad index, like Tag.99999.Key or Tag.0.Key: InvalidParameter naming Tag.N', () => {
    for (const key of ['Tag.99999.Key', 'Tag.0.Key', 'Tag.a.Key', 'Tag..Key']) {
      fails(fields, { [key]: 'k' }, 'InvalidParameter', 400, '"Tag.N"', key);
    }
  });

  test('too many members: InvalidParameter naming the list', () => {
    fails(fields, { 'Tag.4.Key': 'k' }, 'InvalidParameter', 400, '"Tag"');
  });

  test('a member missing a required field: MissingParameter naming Name.N.Field', () => {
    fails(fields, { 'Tag.1.Key': 'env', 'Tag.2.Value': 'x' }, 'MissingParameter', 400, '"Tag.2.Key"');
    fails(fields, { 'Tag.1.Key': '' }, 'MissingParameter', 400, '"Tag.1.Key"');
  });

  test('a bad field value: InvalidParameter naming Name.N.Field', () => {
    fails(fields, { 'DataDisk.2.Size': '10' }, 'InvalidParameter', 400, '"DataDisk.2.Size"');
  });
});

describe('required parameters', () => {
  const fields = {
    RegionId: p.string({ required: true }),
    InstanceIds: p.jsonList({ max: 10, required: true }),
    Amount: p.integer({ required: true }),
    Ids: p.list({ max: 5, required: true }),
  };
  const all: Record<string, string> = { RegionId: 'cn-hangzhou', InstanceIds: '["i-1"]', Amount: '1', 'Ids.1': 'a' };

  test('present: parsed', () => {
    assert.deepEqual(parse(fields, all), { RegionId: 'cn-hangzhou', InstanceIds: ['i-1'], Amount: 1, Ids: ['a'] });
  });

  test('absent or empty: MissingParameter naming it', () => {
    for (const name of ['RegionId', 'InstanceIds', 'Amount']) {
      const { [name]: _dropped, ...rest } = all;
      fails(fields, rest, 'MissingParameter', 400, `"${name}"`);
    }
    const { 'Ids.1': _ids, ...withoutIds } = all;
    fails(fields, withoutIds, 'MissingParameter', 400, '"Ids"');
    fails(fields, { ...all, RegionId: '' }, 'MissingParameter', 400, '"RegionId"');
  });
});

describe('rules', () => {
  const even: Rule<number> = {
    describe: 'even',
    test: (n) => n % 2 === 0,
    code: 'InvalidCount.Odd',
    message: 'Count must be even.',
  };
  const small: Rule<number> = {
    describe: 'below 10',
    test: (n) => n < 10,
    code: 'InvalidCount.TooLarge',
    status: 403,
    message: 'Count is too large.',
  };
  const fields = {
    Count: p.integer({ rules: [even, small] }),
    UserData: p.string({ rules: [userDataBase64Rule, userDataSizeRule] }),
  };

  test('values that keep every rule pass', () => {
    assert.deepEqual(parse(fields, { Count: '4', UserData: 'ZWNobyBoaQ==' }), { Count: 4, UserData: 'ZWNobyBoaQ==' });
  });

  test("a broken rule fails with the rule's own code, status (400 unless given) and message", () => {
    fails(fields, { Count: '3' }, 'InvalidCount.Odd', 400, 'Count must be even.');
    fails(fields, { Count: '12' }, 'InvalidCount.TooLarge', 403, 'Count is too large.');
  });

  test('rules apply in order: the first broken one decides', () => {
    fails(fields, { Count: '13' }, 'InvalidCount.Odd', 400);
    fails(fields, { UserData: 'not base64!' }, 'InvalidUserData.Base64FormatInvalid', 403);
    const tooBig = Buffer.alloc(32 * 1024 + 1, 'a').toString('base64');
    fails(fields, { UserData: tooBig }, 'InvalidUserData.SizeExceeded', 400);
  });

  test('rules run on the parsed value, after the type check', () => {
    fails(fields, { Count: 'four' }, 'InvalidParameter', 400, '"Count"');
  });

  test('the first problem in declaration order fails the whole call', () => {
    fails(fields, { Count: '3', UserData: '!' }, 'InvalidCount.Odd', 400);
  });
});
