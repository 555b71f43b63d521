/**
 * The byte pipe under the card control client: a small contract
 * (ControlPort) and its implementation over a node-serialport stream
 * (SerialPort for devices and ptys, SerialPortMock in tests).
 *
 * On a pseudo-terminal the modem-control ioctls fail ("Inappropriate ioctl
 * for device"): setModemLines reports that through its callback and the
 * client carries on. SerialPort.list() needs udev and fails on machines
 * without it: listSerialPorts() returns the failure instead of throwing.
 */
import type { SerialPortMock } from "serialport";
import { SerialPort } from "serialport";

/** The node-serialport streams this adapter takes (both are SerialPortStreams). */
export type SerialStream = SerialPort | SerialPortMock;

export interface ControlPortHandlers {
  data(chunk: Uint8Array): void;
  /** The port closed: `err` set when it went away (device unplugged, pty closed), unset after our own close. */
  close(err: Error | undefined): void;
  error(err: Error): void;
}

export type Done = (err: Error | undefined) => void;

export interface ControlPort {
  open(done: Done): void;
  write(bytes: Uint8Array, done: Done): void;
  /** Discard what was received but not read and written but not sent (tcflush TCIOFLUSH). */
  flush(done: Done): void;
  setModemLines(lines: { readonly dtr: boolean; readonly rts: boolean }, done: Done): void;
  close(done: Done): void;
  readonly isOpen: boolean;
}

/** Makes a port for `path`, with the handlers attached before anything can happen on it. */
export type PortOpener = (path: string, handlers: ControlPortHandlers) => ControlPort;

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
const orUndefined = (e: Error | null | undefined): Error | undefined => e ?? undefined;

/** A ControlPort over any node-serialport stream created with autoOpen: false. */
export class StreamControlPort implements ControlPort {
  private readonly stream: SerialStream;

  constructor(stream: SerialStream, handlers: ControlPortHandlers) {
    this.stream = stream;
    // An 'error' listener first: an unhandled stream error would end the process.
    stream.on("error", (e: unknown) => handlers.error(asError(e)));
    stream.on("data", (chunk: Buffer) => handlers.data(chunk));
    stream.on("close", (e: unknown) => handlers.close(e === null || e === undefined ? undefined : asError(e)));
  }

  get isOpen(): boolean {
    return this.stream.isOpen;
  }

  open(done: Done): void {
    this.stream.open((e) => done(orUndefined(e)));
  }

  write(bytes: Uint8Array, done: Done): void {
    this.stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (e) => done(orUndefined(e)));
  }

  flush(done: Done): void {
    this.stream.flush((e) => done(orUndefined(e)));
  }

  setModemLines(lines: { readonly dtr: boolean; readonly rts: boolean }, done: Done): void {
    this.stream.set({ dtr: lines.dtr, rts: lines.rts }, (e) => done(orUndefined(e)));
  }

  close(done: Done): void {
    if (!this.stream.isOpen) {
      done(undefined);
      return;
    }
    this.stream.close((e) => done(orUndefined(e)));
  }
}

/** Opener for real devices and ptys (8N1, no flow control). */
export function serialPortOpener(baudRate: number): PortOpener {
  return (path, handlers) => new StreamControlPort(new SerialPort({ path, baudRate, autoOpen: false }), handlers);
}

export interface SerialPortListing {
  readonly path: string;
  readonly manufacturer?: string;
  readonly serialNumber?: string;
}

/** The serial ports the system knows, or why they cannot be listed. Never throws. */
export async function listSerialPorts(): Promise<{ ok: true; ports: SerialPortListing[] } | { ok: false; reason: string }> {
  try {
    const ports = await SerialPort.list();
    return {
      ok: true,
      ports: ports.map((p) => ({
        path: p.path,
        ...(p.manufacturer !== undefined ? { manufacturer: p.manufacturer } : {}),
        ...(p.serialNumber !== undefined ? { serialNumber: p.serialNumber } : {}),
      })),
    };
  } catch (e) {
    return { ok: false, reason: asError(e).message };
  }
}
