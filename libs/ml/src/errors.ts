/**
 * The error classes libs/ml throws. Services map them to gRPC status codes:
 * {@link SpecError} and {@link ModelSpecError} → INVALID_ARGUMENT (they name the field),
 * {@link InputError} → INVALID_ARGUMENT (names the column / row / group),
 * {@link UnsupportedError} → FAILED_PRECONDITION or INVALID_ARGUMENT,
 * {@link FormatError} → FAILED_PRECONDITION (an artifact this version cannot read).
 */

/** A feature spec (or split spec) that cannot be applied; `field` is a path such as `features[2].steps[0]`. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A model spec or training hyperparameters outside the allowed values; `field` names it. */
export class ModelSpecError extends Error {
  override readonly name = 'ModelSpecError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Raw input rows that do not fit a fitted transform or model (missing column, short history...). */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly column?: string,
    readonly row?: number,
  ) {
    super(message);
  }
}

/** A layer or feature the active TF.js backend cannot train (e.g. Conv1D on wasm). */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

/** A serialized artifact whose format version this library does not read. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}
