import { Frame, FrameColumn, isNumericColumn } from './frame';

/**
 * Gathers rows of one column by index; an index of -1 yields a null row.
 */
export function takeColumn(col: FrameColumn, indices: ArrayLike<number>): FrameColumn {
  const n = indices.length;
  const srcNulls = col.nulls;
  let nulls: Uint8Array | undefined;
  const nullAt = (i: number) => {
    nulls ??= new Uint8Array(n);
    nulls[i] = 1;
  };
  if (isNumericColumn(col)) {
    const src = col.values;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const j = indices[i];
      if (j < 0 || (srcNulls !== undefined && srcNulls[j] === 1)) {
        out[i] = NaN;
        nullAt(i);
      } else out[i] = src[j];
    }
    return nulls ? { type: col.type, values: out, nulls } : { type: col.type, values: out };
  }
  const src = col.values;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j < 0 || (srcNulls !== undefined && srcNulls[j] === 1)) {
      out[i] = '';
      nullAt(i);
    } else out[i] = src[j];
  }
  return nulls ? { type: col.type, values: out, nulls } : { type: col.type, values: out };
}

/** A frame of the rows at `indices` (in that order); -1 gives an all-null row. */
export function takeRows(frame: Frame, indices: ArrayLike<number>): Frame {
  const columns: Record<string, FrameColumn> = {};
  for (const [name, col] of Object.entries(frame.columns)) columns[name] = takeColumn(col, indices);
  return { rowCount: indices.length, columns };
}

/** Rows [start, end) of a frame (copies). */
export function sliceRows(frame: Frame, start: number, end = frame.rowCount): Frame {
  const s = Math.max(0, Math.min(start, frame.rowCount));
  const e = Math.max(s, Math.min(end, frame.rowCount));
  const columns: Record<string, FrameColumn> = {};
  for (const [name, col] of Object.entries(frame.columns)) {
    const nulls = col.nulls?.slice(s, e);
    columns[name] = isNumericColumn(col)
      ? { type: col.type, values: col.values.slice(s, e), ...(nulls ? { nulls } : {}) }
      : { type: col.type, values: col.values.slice(s, e), ...(nulls ? { nulls } : {}) };
  }
  return { rowCount: e - s, columns };
}

/** The rows where `mask[i]` is non-zero. */
export function filterRows(frame: Frame, mask: ArrayLike<number | boolean>): Frame {
  const idx: number[] = [];
  for (let i = 0; i < frame.rowCount; i++) if (mask[i]) idx.push(i);
  return takeRows(frame, idx);
}

/**
 * A frame with only the named columns (shared, not copied).
 * @throws Error naming the first column that does not exist.
 */
export function selectColumns(frame: Frame, names: readonly string[]): Frame {
  const columns: Record<string, FrameColumn> = {};
  for (const name of names) {
    const col = frame.columns[name];
    if (!col) throw new Error(`unknown column ${name}`);
    columns[name] = col;
  }
  return { rowCount: frame.rowCount, columns };
}

/**
 * Stacks frames with the same columns vertically (the first frame's column set and types).
 * @throws Error when a frame lacks a column or has a different type for it.
 */
export function concatFrames(frames: readonly Frame[]): Frame {
  if (frames.length === 0) return { rowCount: 0, columns: {} };
  const total = frames.reduce((s, f) => s + f.rowCount, 0);
  const columns: Record<string, FrameColumn> = {};
  for (const [name, first] of Object.entries(frames[0].columns)) {
    const parts = frames.map((f, k) => {
      const c = f.columns[name];
      if (!c || c.type !== first.type) throw new Error(`frame ${k}: column ${name} missing or not ${first.type}`);
      return c;
    });
    const hasNulls = parts.some((c) => c.nulls !== undefined);
    const nulls = hasNulls ? new Uint8Array(total) : undefined;
    let off = 0;
    if (isNumericColumn(first)) {
      const values = new Float64Array(total);
      for (const c of parts) {
        values.set(c.values as Float64Array, off);
        if (nulls && c.nulls) nulls.set(c.nulls, off);
        off += c.values.length;
      }
      columns[name] = { type: first.type, values, ...(nulls ? { nulls } : {}) };
    } else {
      const values: string[] = [];
      for (const c of parts) {
        for (const v of c.values as string[]) values.push(v);
        if (nulls && c.nulls) nulls.set(c.nulls, off);
        off += c.values.length;
      }
      columns[name] = { type: first.type, values, ...(nulls ? { nulls } : {}) };
    }
  }
  return { rowCount: total, columns };
}
