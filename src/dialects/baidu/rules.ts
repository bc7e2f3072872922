import { bce } from './errors.js';

/**
 * Value rules Baidu's BCC documentation gives for what a caller sends. They belong to the API, so
 * they live with the dialect; rules about the instance (its state, its lock) are core's.
 */

const PASSWORD_SYMBOLS = '!@#$%^*()';
const PASSWORD_CHARACTERS = /^[A-Za-z0-9!@#$%^*()]*$/;

/** The seed: 8-32 characters with letters, digits and symbols from !@#$%^*(), all three kinds, nothing else. */
export function checkPassword(password: string): void {
  const problem =
    password.length < 8 || password.length > 32
      ? 'it must be 8 to 32 characters long'
      : !PASSWORD_CHARACTERS.test(password)
        ? `it may contain only letters, digits and the symbols ${PASSWORD_SYMBOLS}`
        : !/[A-Za-z]/.test(password) || !/[0-9]/.test(password) || !/[!@#$%^*()]/.test(password)
          ? `it must contain letters, digits and at least one of the symbols ${PASSWORD_SYMBOLS}`
          : null;
  if (problem) throw bce.inappropriateJson(`adminPass is not an acceptable password: ${problem}`);
}

/** Instance names: 1-65 characters, starting with a letter; letters, digits, Chinese and - _ / . */
const NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5\-_/.]{0,64}$/u;

export function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw bce.inappropriateJson(
      'name must be 1 to 65 characters, start with a letter and contain only letters, digits, Chinese characters and - _ / .',
    );
  }
}

/** Hostnames: 2-64 lowercase letters, digits, - and . with no special character first, last or twice in a row. */
const HOSTNAME = /^[a-z0-9](?:[a-z0-9]|[-.](?=[a-z0-9]))*$/;

export function checkHostname(hostname: string): void {
  if (hostname.length < 2 || hostname.length > 64 || !HOSTNAME.test(hostname)) {
    throw bce.inappropriateJson(
      'hostname must be 2 to 64 characters of lowercase letters, digits, - and ., and may not start or end with a special character or use two in a row',
    );
  }
}

const MAX_DESCRIPTION = 200;

export function checkDescription(desc: string): void {
  if ([...desc].length > MAX_DESCRIPTION)
    throw bce.inappropriateJson(`desc must be at most ${MAX_DESCRIPTION} characters`);
}
