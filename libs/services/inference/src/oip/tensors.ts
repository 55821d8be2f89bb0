import { InvalidArgumentError } from '@cityml/runtime';
import type { Frame, FrameColumn } from '@cityml/ml';
import type { InputColumn } from '../rows';
import type { Prediction, Prepared, Servable } from '../servable';

/** One OIP tensor with its values flattened row-major (both bindings decode to this). */
export interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: ArrayLike<number | boolean | string | bigint | null>;
}

const NUMERIC = new Set(['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

function bad(input: string, reason: string, row?: number): InvalidArgumentError {
  const where = row === undefined ? `input ${input}` : `input ${input}, row ${row}`;
  return new InvalidArgumentError(`${where}: ${reason}`, [{ column: input, ...(row === undefined ? {} : { row }), reason }]);
}

/** The OIP datatype a model column is described with in metadata. */
export function columnDatatype(c: InputColumn): string {
  switch (c.type) {
    case 'number':
      return 'FP64';
    case 'integer':
    case 'timestamp':
      return 'INT64';
    case 'boolean':
      return 'BOOL';
    default:
      return 'BYTES';
  }
}

function rowsOf(t: Tensor): number {
  if (t.shape.length === 0 || t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1)) {
    throw bad(t.name, `shape [${t.shape.join(', ')}] is not [rows] or [rows, 1]`);
  }
  const n = Number(t.shape[0]);
  if (t.data.length !== n) throw bad(t.name, `shape [${t.shape.join(', ')}] needs ${n} values, got ${t.data.length}`, Math.min(n, t.data.length));
  return n;
}

function toColumn(t: Tensor, want: InputColumn, n: number): FrameColumn {
  const dt = t.datatype.toUpperCase();
  const type = want.type === 'any' ? (dt === 'BYTES' ? 'category' : dt === 'BOOL' ? 'boolean' : 'number') : want.type;
  const fits =
    type === 'category' || type === 'text'
      ? dt === 'BYTES' || NUMERIC.has(dt)
      : type === 'boolean'
        ? dt === 'BOOL'
        : type === 'timestamp'
          ? dt === 'INT64' || dt === 'BYTES'
          : NUMERIC.has(dt);
  if (!fits) throw bad(t.name, `datatype ${dt} does not fit the model's ${type} column (send ${columnDatatype({ name: want.name, type })})`);
  let nulls: Uint8Array | undefined;
  const isNull = (v: unknown, i: number) => {
    if (v !== null && v !== undefined) return false;
    (nulls ??= new Uint8Array(n))[i] = 1;
    return true;
  };
  if (type === 'category' || type === 'text') {
    const values = Array.from({ length: n }, (_, i) => (isNull(t.data[i], i) ? '' : String(t.data[i])));
    return nulls ? { type, values, nulls } : { type, values };
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = t.data[i];
    if (isNull(v, i)) {
      values[i] = NaN;
      continue;
    }
    let x: number;
    if (type === 'timestamp' && typeof v === 'string') x = Date.parse(v) * 1000;
    else if (type === 'boolean') x = v === true || v === 1 ? 1 : v === false || v === 0 ? 0 : NaN;
    else x = typeof v === 'number' || typeof v === 'bigint' ? Number(v) : NaN;
    if (!Number.isFinite(x)) throw bad(t.name, `value ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)} is not a ${type}`, i);
    values[i] = x;
  }
  return nulls ? { type, values, nulls } : { type, values };
}

/**
 * Builds a model's input from OIP tensors: one tensor per raw column ([rows] or
 * [rows, 1]), named like the column; an imported model also takes a tensor named like
 * one of its inputs with that input's full width ([rows, k]).
 * @throws InvalidArgumentError naming the input (and row): missing, wrong datatype,
 * wrong shape, row counts that differ, values of the wrong kind.
 */
export function inputsFromTensors(servable: Servable, tensors: Tensor[]): Prepared | Frame {
  if (tensors.length === 0) throw InvalidArgumentError.field('inputs', 'the request carries no input tensors');
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const direct = directInputs(servable, byName);
  if (direct) return direct;
  let n = -1;
  const columns: Record<string, FrameColumn> = {};
  for (const want of servable.inputColumns) {
    const t = byName.get(want.name);
    if (!t) throw bad(want.name, `missing (the model reads ${servable.inputColumns.map((c) => c.name).join(', ')})`);
    const rows = rowsOf(t);
    if (n >= 0 && rows !== n) throw bad(t.name, `has ${rows} rows, other inputs have ${n}`);
    n = rows;
    columns[want.name] = toColumn(t, want, rows);
  }
  if (n <= 0) throw InvalidArgumentError.field('inputs', 'the input tensors carry no rows');
  return { rowCount: n, columns };
}

function directInputs(servable: Servable, byName: Map<string, Tensor>): Prepared | undefined {
  if (servable.fitted) return undefined;
  const names = servable.model.inputs.map((t, i) => servable.signature.inputs[i]?.name ?? t.name);
  if (!names.every((name) => byName.has(name))) return undefined;
  let n = -1;
  const inputs = names.map((name, i) => {
    const t = byName.get(name) as Tensor;
    const k = servable.exampleSizes[i];
    const rows = Number(t.shape[0]);
    const width = t.shape.slice(1).reduce((a, b) => a * Number(b), 1);
    if (width !== k) throw bad(name, `shape [${t.shape.join(', ')}] does not match the model input's ${k} values per row`);
    if (t.data.length !== rows * k) throw bad(name, `shape [${t.shape.join(', ')}] needs ${rows * k} values, got ${t.data.length}`);
    if (n >= 0 && rows !== n) throw bad(name, `has ${rows} rows, other inputs have ${n}`);
    n = rows;
    const x = new Float32Array(rows * k);
    for (let j = 0; j < x.length; j++) {
      const v = Number(t.data[j]);
      if (!Number.isFinite(v)) throw bad(name, `value ${String(t.data[j])} is not a number`, Math.floor(j / k));
      x[j] = v;
    }
    return x;
  });
  return { examples: n, inputs };
}

/** The output tensors a model answers with, for metadata. */
export function outputSpecs(servable: Servable): { name: string; datatype: string; shape: number[] }[] {
  if (servable.kind === 'regression') return [{ name: 'value', datatype: 'FP64', shape: [-1] }];
  if (servable.kind === 'forecast') {
    return [
      { name: 'group', datatype: 'BYTES', shape: [-1] },
      { name: 'forecast', datatype: 'FP64', shape: [-1, servable.horizon] },
    ];
  }
  return [
    { name: 'label', datatype: 'BYTES', shape: [-1] },
    { name: 'probabilities', datatype: 'FP64', shape: [-1, servable.classLabels.length] },
  ];
}

/**
 * A prediction as OIP output tensors: regression `value` [rows]; classification `label`
 * [rows] and `probabilities` [rows, classes]; forecast `group` [series] and `forecast`
 * [series, horizon]. `requested` (names) filters them.
 * @throws InvalidArgumentError for a requested output the model does not have.
 */
export function outputTensors(p: Prediction, requested: string[]): Tensor[] {
  const all: Tensor[] = [];
  if (p.kind === 'regression' && p.values) all.push({ name: 'value', datatype: 'FP64', shape: [p.values.length], data: p.values });
  if (p.kind === 'classification' && p.labels && p.probabilities && p.classLabels) {
    all.push({ name: 'label', datatype: 'BYTES', shape: [p.labels.length], data: p.labels });
    all.push({ name: 'probabilities', datatype: 'FP64', shape: [p.labels.length, p.classLabels.length], data: p.probabilities });
  }
  if (p.kind === 'forecast' && p.groups && p.forecast) {
    all.push({ name: 'group', datatype: 'BYTES', shape: [p.groups.length], data: p.groups });
    all.push({ name: 'forecast', datatype: 'FP64', shape: [p.groups.length, p.horizon ?? 0], data: p.forecast });
  }
  if (requested.length === 0) return all;
  return requested.map((name) => {
    const t = all.find((o) => o.name === name);
    if (!t) throw InvalidArgumentError.field('outputs', `unknown output ${name} (the model has ${all.map((o) => o.name).join(', ')})`);
    return t;
  });
}

/** The model ref of an OIP model_version: '' = `production`, digits = a version, else an alias. */
export function oipRef(version: string): { alias: string; version?: undefined } | { version: number; alias?: undefined } {
  const v = version.trim();
  if (v === '') return { alias: 'production' };
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n <= 0) throw InvalidArgumentError.field('model_version', 'versions start at 1');
    return { version: n };
  }
  return { alias: v };
}
