import type { OsType } from '../../core/compute.js';
import type { Rule } from './params.js';

/**
 * Alibaba's documented value rules (API contract, so they live in the dialect). Sources: the
 * seeds in shared/seeds and the ModifyInstanceAttribute / RunInstances reference pages.
 */
// The SDK's list (RunInstances, ModifyInstanceAttribute); the seed page lost its backtick to Markdown.
const PASSWORD_SPECIALS = "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/";
const PASSWORD_CLASSES = [/[A-Z]/, /[a-z]/, /[0-9]/, new RegExp(`[${PASSWORD_SPECIALS.replace(/[\]\\^-]/g, '\\$&')}]`)];
const PASSWORD_CHARSET = new RegExp(`^[A-Za-z0-9${PASSWORD_SPECIALS.replace(/[\]\\^-]/g, '\\$&')}]*$`);

export function isValidPassword(value: string): boolean {
  return (
    value.length >= 8 &&
    value.length <= 30 &&
    PASSWORD_CHARSET.test(value) &&
    PASSWORD_CLASSES.filter((re) => re.test(value)).length >= 3
  );
}

export const passwordRule: Rule<string> = {
  describe: `8-30 characters from A-Z a-z 0-9 and ${PASSWORD_SPECIALS}, with at least three of the four classes; on Windows not starting with /`,
  test: isValidPassword,
  code: 'InvalidPassword.Malformed',
  message: 'The specified parameter "Password" is not valid.',
};

/** The Windows-only half of the password rule: it needs the instance's OS, so operations apply it. */
export function passwordFitsOs(value: string, osType: OsType): boolean {
  return osType !== 'windows' || !value.startsWith('/');
}

/** Windows: 2-15 of letters, digits and single inner hyphens, not digits only. */
export function isValidWindowsHostName(value: string): boolean {
  return /^[A-Za-z0-9](?:-?[A-Za-z0-9])+$/.test(value) && value.length <= 15 && !/^\d+$/.test(value);
}

/** Linux and others: 2-64, dot-separated segments of letters, digits and single inner hyphens. */
export function isValidLinuxHostName(value: string): boolean {
  const segment = '[A-Za-z0-9](?:-?[A-Za-z0-9])*';
  return value.length >= 2 && value.length <= 64 && new RegExp(`^${segment}(?:\\.${segment})*$`).test(value);
}

export function isValidHostName(value: string, osType: OsType): boolean {
  return osType === 'windows' ? isValidWindowsHostName(value) : isValidLinuxHostName(value);
}

export const hostNameShapeRule: Rule<string> = {
  describe:
    'Linux: 2-64 characters, dot-separated segments of letters, digits and hyphens, no leading, trailing or doubled . or -; Windows: 2-15 characters of letters, digits and hyphens, not digits only',
  // The OS-independent part; the OS-specific part is checked against the instance.
  test: (value) => isValidLinuxHostName(value) || isValidWindowsHostName(value),
  code: 'InvalidHostName.Malformed',
  message: 'The specified parameter "HostName" is not valid.',
};

const NO_URL_PREFIX = (value: string) => !/^https?:\/\//i.test(value);

export const instanceNameRule: Rule<string> = {
  describe:
    '2-128 characters, starting with a letter or Chinese character, not with http:// or https://; letters, digits, Chinese characters, : _ . - allowed',
  test: (value) => /^[A-Za-z\p{Script=Han}][\p{Script=Han}\w:.-]{1,127}$/u.test(value) && NO_URL_PREFIX(value),
  code: 'InvalidInstanceName.Malformed',
  message: 'The specified parameter "InstanceName" is not valid.',
};

export const descriptionRule: Rule<string> = {
  describe: '2-256 characters, not starting with http:// or https://',
  test: (value) => value.length >= 2 && value.length <= 256 && NO_URL_PREFIX(value),
  code: 'InvalidDescription.Malformed',
  message: 'The specified parameter "Description" is not valid.',
};

export const vncPasswordRule: Rule<string> = {
  describe: 'exactly 6 characters, letters and digits only, with upper case, lower case and digits',
  test: (value) => /^[A-Za-z0-9]{6}$/.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value),
  code: 'IncorrectVncPassword.Malformed',
  message:
    'The specified parameter VncPassword must be 6 characters, including uppercase characters, lowercase characters and numbers.',
};

/** User data: raw size at most 32 KB before base64 (the seed's limit). */
export const USER_DATA_MAX_BYTES = 32 * 1024;

export function isBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}

export const userDataSizeRule: Rule<string> = {
  describe: `base64 of at most ${USER_DATA_MAX_BYTES} raw bytes`,
  test: (value) => !isBase64(value) || Buffer.from(value, 'base64').length <= USER_DATA_MAX_BYTES,
  code: 'InvalidUserData.SizeExceeded',
  message: 'The specified parameter "UserData" exceeds the size.',
};

export const userDataBase64Rule: Rule<string> = {
  describe: 'valid base64',
  test: isBase64,
  code: 'InvalidUserData.Base64FormatInvalid',
  status: 403,
  message: 'The specified UserData is not valid',
};

/** An enumeration whose violation the documentation gives its own code. */
export function oneOf(values: readonly string[], code: string, message: string, status = 400): Rule<string> {
  return { describe: `one of ${values.join(', ')}`, test: (value) => values.includes(value), code, status, message };
}
