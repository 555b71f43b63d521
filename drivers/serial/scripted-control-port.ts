/**
 * A ControlPort whose other end is a script: the test decides when opening
 * fails, what arrives, when the port goes away and whether modem lines can
 * be set (a loopback transport with fault injection, for deterministic
 * tests of the client without timing).
 */
import type { ControlPort, ControlPortHandlers, Done, PortOpener } from "./control-port.js";

export interface ScriptedPortBehaviour {
  /** Error message for open(), or undefined to succeed. */
  openError?: string;
  /** Error message for setModemLines (a pty says "Inappropriate ioctl for device"). */
  modemError?: string;
  /** Error message for every write (a hung-up pty says EIO). */
  writeError?: string;
  /** Answer open() only when the test calls completeOpen(). */
  holdOpen?: boolean;
}

export class ScriptedControlPort implements ControlPort {
  readonly path: string;
  readonly written: Uint8Array[] = [];
  private readonly handlers: ControlPortHandlers;
  private readonly behaviour: ScriptedPortBehaviour;
  private open_ = false;
  private pendingOpen: Done | undefined;
  closedByUs = false;

  constructor(path: string, handlers: ControlPortHandlers, behaviour: ScriptedPortBehaviour) {
    this.path = path;
    this.handlers = handlers;
    this.behaviour = behaviour;
  }

  get isOpen(): boolean {
    return this.open_;
  }

  open(done: Done): void {
    if (this.behaviour.holdOpen) {
      this.pendingOpen = done;
      return;
    }
    this.finishOpen(done);
  }

  completeOpen(): void {
    const done = this.pendingOpen;
    this.pendingOpen = undefined;
    if (done) this.finishOpen(done);
  }

  private finishOpen(done: Done): void {
    if (this.behaviour.openError !== undefined) {
      done(new Error(this.behaviour.openError));
      return;
    }
    this.open_ = true;
    done(undefined);
  }

  write(bytes: Uint8Array, done: Done): void {
    if (!this.open_) {
      done(new Error("Port is not open"));
      return;
    }
    if (this.behaviour.writeError !== undefined) {
      done(new Error(this.behaviour.writeError));
      return;
    }
    this.written.push(bytes.slice());
    done(undefined);
  }

  flush(done: Done): void {
    done(this.open_ ? undefined : new Error("Port is not open"));
  }

  setModemLines(_lines: { readonly dtr: boolean; readonly rts: boolean }, done: Done): void {
    done(this.behaviour.modemError !== undefined ? new Error(this.behaviour.modemError) : undefined);
  }

  close(done: Done): void {
    const was = this.open_;
    this.open_ = false;
    this.closedByUs = true;
    done(undefined);
    if (was) this.handlers.close(undefined);
  }

  // ---- the far end ----------------------------------------------------------

  /** Octets arriving from the card. */
  receive(bytes: Uint8Array): void {
    if (this.open_) this.handlers.data(bytes);
  }

  /** The device goes away (unplugged, pty master closed). */
  disappear(message = "device disconnected"): void {
    if (!this.open_) return;
    this.open_ = false;
    this.handlers.close(new Error(message));
  }

  /** The stream reports an error without closing. */
  fail(message: string): void {
    this.handlers.error(new Error(message));
  }
}

/** An opener that makes ScriptedControlPorts; `behaviour` is read at each open. */
export function scriptedOpener(behaviour: () => ScriptedPortBehaviour, made: ScriptedControlPort[]): PortOpener {
  return (path, handlers) => {
    const p = new ScriptedControlPort(path, handlers, behaviour());
    made.push(p);
    return p;
  };
}
