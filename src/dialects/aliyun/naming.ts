/**
 * Alibaba's sequential naming for batch creation: `name_prefix[begin,digits]name_suffix`, e.g.
 * `web-[1,3]-prod` gives web-001-prod, web-002-prod, ... (begin 0-999999, digits 1-6). Without the
 * pattern, UniqueSuffix=true appends a three-digit sequence; otherwise every instance gets the name
 * as given.
 */
const PATTERN = /\[(\d{1,6}),(\d)\]/;

export function sequentialNames(
  name: string | undefined,
  amount: number,
  uniqueSuffix: boolean,
): (string | undefined)[] {
  if (name === undefined) return Array.from({ length: amount }, () => undefined);
  const match = PATTERN.exec(name);
  if (match && Number(match[2]) >= 1 && Number(match[2]) <= 6) {
    const begin = Number(match[1]);
    const digits = Number(match[2]);
    return Array.from({ length: amount }, (_, i) => name.replace(PATTERN, String(begin + i).padStart(digits, '0')));
  }
  if (uniqueSuffix && amount > 1) {
    return Array.from({ length: amount }, (_, i) => name + String(i + 1).padStart(3, '0'));
  }
  return Array.from({ length: amount }, () => name);
}
