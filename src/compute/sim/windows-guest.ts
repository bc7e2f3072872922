/**
 * The simulated Windows guest, drawn as a text UI on the same console: a sign-in screen for
 * Administrator checked against the spec's password hash, and once signed in a desktop-like
 * screen showing the computer name and size, with keys to sign out, restart or shut down.
 */
import type { GuestEvent } from '../../core/compute.js';
import { Guest } from './guest.js';
import { LineEditor, type LineEvent } from './line-editor.js';
import { COLS, ROWS } from './terminal-screen.js';

type State = 'booting' | 'sign-in' | 'desktop';

// SGR colours of the UI: white on blue for the lock screen, black on cyan for the desktop.
const LOCK = '\x1b[0;97;44m';
const FIELD = '\x1b[0;30;47m';
const ERROR = '\x1b[0;93;44m';
const DESKTOP = '\x1b[0;30;46m';
const TITLE = '\x1b[0;97;44m';
const WINDOW = '\x1b[0;30;47m';
const TASKBAR = '\x1b[0;97;40m';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

const BOX_WIDTH = 46;
const BOX_LEFT = (COLS - BOX_WIDTH) / 2;
const BOX_TOP = 7;
const FIELD_ROW = BOX_TOP + 4;
const FIELD_COL = BOX_LEFT + 15;
const FIELD_WIDTH = 26;
const MESSAGE_ROW = BOX_TOP + 6;
const BOOT_DOTS = 5;

/** Moves the cursor to a zero-based row and column. */
function at(row: number, col: number): string {
  return `\x1b[${row + 1};${col + 1}H`;
}

function centered(text: string, width: number): string {
  const left = Math.max(Math.floor((width - text.length) / 2), 0);
  return (' '.repeat(left) + text).padEnd(width).slice(0, width);
}

/** A double-line box; the rows inside are blank. */
function box(top: number, left: number, width: number, height: number): string {
  const inner = width - 2;
  let out = at(top, left) + `╔${'═'.repeat(inner)}╗`;
  for (let row = 1; row < height - 1; row++) out += at(top + row, left) + `║${' '.repeat(inner)}║`;
  return out + at(top + height - 1, left) + `╚${'═'.repeat(inner)}╝`;
}

export class WindowsGuest extends Guest {
  private state: State = 'booting';
  // Echo is off: the field is redrawn as bullets after each key instead.
  private readonly editor = new LineEditor(
    () => {},
    (event) => this.onPasswordEvent(event),
  );

  protected bootSteps(): Array<() => void> {
    const steps = [() => this.write(`${HIDE_CURSOR}\x1b[0m\x1b[2J${at(11, 0)}${centered('Starting Windows', COLS)}`)];
    for (let dot = 1; dot <= BOOT_DOTS; dot++) {
      steps.push(() => this.write(at(13, 0) + centered('.'.repeat(dot), COLS)));
    }
    steps.push(() => {
      this.showSignIn('');
      this.markReady();
    });
    return steps;
  }

  protected input(data: string): void {
    if (this.state === 'sign-in') {
      this.editor.feed(data);
      // A line event may have left the sign-in screen; only redraw the field if still on it.
      if (this.state === 'sign-in') this.drawField();
    } else if (this.state === 'desktop') {
      this.onDesktopKey(data.toLowerCase());
    }
  }

  protected shutdownMessage(event: GuestEvent): string {
    const text = event === 'reboot' ? 'Restarting' : 'Shutting down';
    return `${HIDE_CURSOR}${LOCK}\x1b[2J${at(12, 0)}${centered(text, COLS)}`;
  }

  private showSignIn(message: string): void {
    this.state = 'sign-in';
    let out = `${HIDE_CURSOR}${LOCK}\x1b[2J`;
    out += box(BOX_TOP, BOX_LEFT, BOX_WIDTH, 9);
    out += at(BOX_TOP + 2, BOX_LEFT + 1) + centered('Administrator', BOX_WIDTH - 2);
    out += at(FIELD_ROW, BOX_LEFT + 4) + 'Password:';
    out += at(MESSAGE_ROW, BOX_LEFT + 1) + ERROR + centered(message, BOX_WIDTH - 2);
    out += at(ROWS - 2, 2) + LOCK + this.spec.hostName;
    const hint = 'Enter: sign in   Ctrl+Alt+Del: restart';
    out += at(ROWS - 2, COLS - 2 - hint.length) + hint;
    this.write(out);
    this.drawField();
  }

  /** The password field: one bullet per typed character, cursor after the last. */
  private drawField(): void {
    const shown = '•'.repeat(Math.min(this.editor.text.length, FIELD_WIDTH - 1));
    this.write(
      at(FIELD_ROW, FIELD_COL) +
        FIELD +
        shown.padEnd(FIELD_WIDTH) +
        at(FIELD_ROW, FIELD_COL + shown.length) +
        SHOW_CURSOR,
    );
  }

  private onPasswordEvent(event: LineEvent): void {
    if (event.kind === 'line' && this.passwordMatches(event.text)) return this.showDesktop();
    this.showSignIn(event.kind === 'line' ? 'The password is incorrect. Try again.' : '');
  }

  private showDesktop(): void {
    this.state = 'desktop';
    const { hostName, imageName, vcpus, memoryMiB } = this.spec;
    let out = `${HIDE_CURSOR}${DESKTOP}\x1b[2J`;
    out += at(1, 2) + '■ This PC' + at(3, 2) + '■ Recycle Bin';
    const left = 18;
    const width = 50;
    out += WINDOW + box(5, left, width, 10);
    out += at(5, left) + TITLE + centered('System', width);
    const rows = [
      ['Computer name:', hostName],
      ['Edition:', imageName],
      ['Processors:', `${vcpus} virtual processor${vcpus === 1 ? '' : 's'}`],
      ['Installed RAM:', `${memoryMiB} MB`],
      ['User:', 'Administrator'],
    ];
    rows.forEach(([label = '', value = ''], i) => {
      out += at(7 + i, left + 3) + WINDOW + label.padEnd(16) + value.slice(0, width - 22);
    });
    const taskbar = ' ■ Start │ S: sign out  R: restart  U: shut down';
    const name = hostName.slice(0, COLS - taskbar.length - 2);
    out += at(ROWS - 1, 0) + TASKBAR + taskbar.padEnd(COLS - name.length - 1) + name + ' ';
    this.write(out);
  }

  private onDesktopKey(key: string): void {
    if (key === 's') {
      this.showSignIn('');
    } else if (key === 'r') {
      this.powerDown('reboot');
    } else if (key === 'u') {
      this.powerDown('poweroff');
    }
  }
}
