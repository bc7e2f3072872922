/**
 * A tty's canonical mode, small: collects typed bytes into a line with echo (or without, for
 * passwords), backspace and Ctrl+U, and reports Enter, Ctrl+C and Ctrl+D on an empty line.
 * Cursor keys and other escape sequences are swallowed: there is no line history to move through.
 */
export type LineEvent = { kind: 'line'; text: string } | { kind: 'interrupt' } | { kind: 'eof' };

const ESC = 0x1b;

export class LineEditor {
  /** False while a password is typed: characters are taken but not shown. */
  echo = true;
  private buffer = '';

  /**
   * @param output where echo goes (the terminal).
   * @param onEvent called as each line completes, before the next byte is taken, so a handler
   *   that turns echo off (a password prompt) affects the very next character.
   */
  constructor(
    private readonly output: (text: string) => void,
    private readonly onEvent: (event: LineEvent) => void,
  ) {}

  /** The line typed so far. */
  get text(): string {
    return this.buffer;
  }

  /** Feeds bytes from the keyboard. */
  feed(data: string): void {
    for (let i = 0; i < data.length; i++) {
      const char = data[i] ?? '';
      const code = char.charCodeAt(0);
      if (code === ESC) {
        i = skipEscapeSequence(data, i);
      } else if (char === '\r' || char === '\n') {
        this.output('\r\n');
        const text = this.buffer;
        this.buffer = '';
        this.onEvent({ kind: 'line', text });
      } else if (code === 0x7f || code === 0x08) {
        this.erase(1);
      } else if (code === 0x15) {
        this.erase(this.buffer.length);
      } else if (code === 0x03) {
        this.output('^C\r\n');
        this.buffer = '';
        this.onEvent({ kind: 'interrupt' });
      } else if (code === 0x04) {
        if (this.buffer === '') this.onEvent({ kind: 'eof' });
      } else if (code >= 0x20) {
        this.buffer += char;
        if (this.echo) this.output(char);
      }
    }
  }

  private erase(count: number): void {
    const n = Math.min(count, this.buffer.length);
    if (n === 0) return;
    this.buffer = this.buffer.slice(0, -n);
    if (this.echo) this.output('\b \b'.repeat(n));
  }
}

/** Index of the last byte of the escape sequence starting at `start` (CSI, SS3 or ESC x). */
function skipEscapeSequence(data: string, start: number): number {
  const introducer = data[start + 1];
  if (introducer !== '[' && introducer !== 'O') return Math.min(start + 1, data.length - 1);
  let i = start + 2;
  // Parameter and intermediate bytes, then one final byte in 0x40-0x7e.
  while (i < data.length && (data.charCodeAt(i) < 0x40 || data.charCodeAt(i) > 0x7e)) i++;
  return Math.min(i, data.length - 1);
}
