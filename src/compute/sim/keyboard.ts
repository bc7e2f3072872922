/**
 * Turns the X11 keysyms an RFB viewer sends into the bytes a Linux console would give a program,
 * the way a PC keyboard driver does. Modifier state comes from the viewer's own press/release
 * events; Shift needs no tracking because the viewer already sends the shifted keysym ('A', '!').
 */

/** What a key press amounts to: bytes for the terminal, or the Ctrl+Alt+Del salute. */
export type KeyAction = { kind: 'data'; data: string } | { kind: 'reboot' };

const XK = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  Escape: 0xff1b,
  Home: 0xff50,
  Left: 0xff51,
  Up: 0xff52,
  Right: 0xff53,
  Down: 0xff54,
  Page_Up: 0xff55,
  Page_Down: 0xff56,
  End: 0xff57,
  Insert: 0xff63,
  KP_Enter: 0xff8d,
  KP_Delete: 0xff9f,
  KP_Multiply: 0xffaa,
  KP_9: 0xffb9,
  Control_L: 0xffe3,
  Control_R: 0xffe4,
  Meta_L: 0xffe7,
  Alt_R: 0xffea,
  Delete: 0xffff,
} as const;

// Keys whose bytes do not depend on modifiers; the escape sequences are the Linux console's.
const SPECIAL_KEYS = new Map<number, string>([
  [XK.BackSpace, '\x7f'],
  [XK.Tab, '\t'],
  [XK.Return, '\r'],
  [XK.KP_Enter, '\r'],
  [XK.Escape, '\x1b'],
  [XK.Up, '\x1b[A'],
  [XK.Down, '\x1b[B'],
  [XK.Right, '\x1b[C'],
  [XK.Left, '\x1b[D'],
  [XK.Home, '\x1b[1~'],
  [XK.Insert, '\x1b[2~'],
  [XK.Delete, '\x1b[3~'],
  [XK.KP_Delete, '\x1b[3~'],
  [XK.End, '\x1b[4~'],
  [XK.Page_Up, '\x1b[5~'],
  [XK.Page_Down, '\x1b[6~'],
]);

// Unicode keysyms are 0x01000000 + code point (what viewers send beyond Latin-1).
const UNICODE_KEYSYM = 0x01000000;

// Keypad keysyms *, +, ',', -, ., / and 0-9 are their ASCII characters plus this offset.
const KEYPAD_OFFSET = XK.KP_Multiply - 0x2a;

export class Keyboard {
  private readonly controls = new Set<number>();
  private readonly alts = new Set<number>();

  /** Feeds one key event; returns what it produces, or null (releases, bare modifiers). */
  keyEvent(down: boolean, keysym: number): KeyAction | null {
    if (keysym === XK.Control_L || keysym === XK.Control_R) {
      this.toggle(this.controls, keysym, down);
      return null;
    }
    // Meta_L, Meta_R, Alt_L and Alt_R are consecutive keysyms.
    if (keysym >= XK.Meta_L && keysym <= XK.Alt_R) {
      this.toggle(this.alts, keysym, down);
      return null;
    }
    if (!down) return null;
    const control = this.controls.size > 0;
    const alt = this.alts.size > 0;
    if (control && alt && (keysym === XK.Delete || keysym === XK.KP_Delete)) {
      return { kind: 'reboot' };
    }
    const data = this.bytes(keysym, control);
    if (data === null) return null;
    // Alt+key is sent as ESC followed by the key, like the Linux console's "meta sends escape".
    return { kind: 'data', data: alt ? `\x1b${data}` : data };
  }

  private toggle(held: Set<number>, keysym: number, down: boolean): void {
    if (down) held.add(keysym);
    else held.delete(keysym);
  }

  private bytes(keysym: number, control: boolean): string | null {
    const special = SPECIAL_KEYS.get(keysym);
    if (special !== undefined) return special;
    let codepoint: number;
    if (keysym >= XK.KP_Multiply && keysym <= XK.KP_9) codepoint = keysym - KEYPAD_OFFSET;
    else if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) {
      codepoint = keysym;
    } else if (keysym > UNICODE_KEYSYM && keysym <= UNICODE_KEYSYM + 0x10ffff) {
      codepoint = keysym - UNICODE_KEYSYM;
    } else return null;
    if (control) return controlCharacter(codepoint);
    return String.fromCodePoint(codepoint);
  }
}

/** Ctrl+key as a terminal sends it: letters and @[\]^_ fold into C0 controls, Ctrl+? is DEL. */
function controlCharacter(codepoint: number): string | null {
  if (codepoint === 0x3f) return '\x7f';
  if (codepoint === 0x20) return '\x00';
  const upper = codepoint >= 0x61 && codepoint <= 0x7a ? codepoint - 0x20 : codepoint;
  if (upper >= 0x40 && upper <= 0x5f) return String.fromCharCode(upper & 0x1f);
  return null;
}
