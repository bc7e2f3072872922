/**
 * The contract between something that draws a screen (a simulated guest) and the RFB server that
 * shows it. Pixels are kept in one fixed layout so a source never has to know the client's format:
 * the RFB server translates to whatever SetPixelFormat asked for.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FramebufferSource {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes, row-major, each pixel R, G, B, 0 (byte order). Read-only for viewers. */
  readonly pixels: Buffer;
  /** Calls listener with the regions that changed; returns a function that unsubscribes. */
  onDamage(listener: (rects: Rect[]) => void): () => void;
}

/** Where a viewer's keyboard and mouse go. Keysyms are X11 keysyms as RFB carries them. */
export interface InputSink {
  keyEvent(down: boolean, keysym: number): void;
  pointerEvent(buttonMask: number, x: number, y: number): void;
}
