/**
 * Error types. Untrusted input never throws (see result.ts); these are for
 * misuse by our own code and for errors that cross an API boundary.
 */
import type { DecodeError } from "./result.js";
import { formatDecodeError } from "./result.js";

/** Raised when decoding hits a bound; caught inside decoders and turned into a DecodeResult. */
export class DecodeFailure extends Error {
  readonly detail: DecodeError;
  constructor(detail: DecodeError) {
    super(formatDecodeError(detail));
    this.name = "DecodeFailure";
    this.detail = detail;
  }
}

/** A value our own code produced does not fit the wire format: a bug or a bad configuration. */
export class EncodeError extends Error {
  readonly field: string;
  constructor(field: string, reason: string) {
    super(`Cannot encode ${field}: ${reason}`);
    this.name = "EncodeError";
    this.field = field;
  }
}

/** A configuration value is wrong; carries where it came from. */
export class ConfigError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly keyPath: string;
  constructor(file: string, keyPath: string, line: number | undefined, reason: string) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${keyPath || "(root)"}: ${reason}`);
    this.name = "ConfigError";
    this.file = file;
    this.line = line;
    this.keyPath = keyPath;
  }
}

/** A state machine was asked to do something its table does not allow. */
export class StateMachineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateMachineError";
  }
}
