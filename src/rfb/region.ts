import type { Rect } from './framebuffer.js';

/**
 * Past this many rectangles a region collapses to its bounding box: a flood of small damage
 * (a busy console) then costs one bigger rectangle instead of unbounded memory and headers.
 */
const MAX_RECTS = 16;

export function isEmpty(r: Rect): boolean {
  return r.width <= 0 || r.height <= 0;
}

function area(r: Rect): number {
  return isEmpty(r) ? 0 : r.width * r.height;
}

export function intersect(a: Rect, b: Rect): Rect {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const width = Math.min(a.x + a.width, b.x + b.width) - x;
  const height = Math.min(a.y + a.height, b.y + b.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : { x, y, width: 0, height: 0 };
}

export function boundingBox(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** The parts of `a` outside `b`, as up to four rectangles (bands above, below, left, right). */
function subtract(a: Rect, b: Rect): Rect[] {
  const cut = intersect(a, b);
  if (isEmpty(cut)) return [a];
  const pieces: Rect[] = [
    { x: a.x, y: a.y, width: a.width, height: cut.y - a.y },
    { x: a.x, y: cut.y + cut.height, width: a.width, height: a.y + a.height - cut.y - cut.height },
    { x: a.x, y: cut.y, width: cut.x - a.x, height: cut.height },
    { x: cut.x + cut.width, y: cut.y, width: a.x + a.width - cut.x - cut.width, height: cut.height },
  ];
  return pieces.filter((p) => !isEmpty(p));
}

/** A set of pixels kept as a short list of rectangles; may over-approximate, never under. */
export class Region {
  private rects: Rect[] = [];

  add(rect: Rect): void {
    if (isEmpty(rect)) return;
    let merged = rect;
    // Absorb neighbours when their bounding box wastes little (typing damages adjacent cells);
    // sending a few unchanged pixels is cheaper than another rectangle header and encoder restart.
    for (let again = true; again;) {
      again = false;
      for (let i = 0; i < this.rects.length; i++) {
        const other = this.rects[i]!;
        const box = boundingBox(merged, other);
        const union = area(merged) + area(other) - area(intersect(merged, other));
        if (area(box) * 4 <= union * 5) {
          merged = box;
          this.rects.splice(i, 1);
          again = true;
          break;
        }
      }
    }
    this.rects.push(merged);
    this.limit();
  }

  subtract(rect: Rect): void {
    this.rects = this.rects.flatMap((r) => subtract(r, rect));
    this.limit();
  }

  /** Removes and returns the part of the region inside `clip`. */
  take(clip: Rect): Rect[] {
    const inside = this.within(clip);
    this.subtract(clip);
    return inside;
  }

  /** Rectangles inside `clip` (without removing them). */
  within(clip: Rect): Rect[] {
    return this.rects.map((r) => intersect(r, clip)).filter((r) => !isEmpty(r));
  }

  clear(): void {
    this.rects = [];
  }

  private limit(): void {
    if (this.rects.length > MAX_RECTS) this.rects = [this.rects.reduce(boundingBox)];
  }
}
