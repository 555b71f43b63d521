/**
 * A small typed event emitter for sessions: listeners run synchronously in
 * the order added; `emit` says whether anyone listened, so the UA core can
 * apply its default when nobody did (RFC 3261 §8.2.5 "the UAS core ...").
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listener signatures vary per event
type Listener = (...args: any[]) => void;

/** The arguments of event K's listener. */
export type EventArgs<M, K extends keyof M> = M[K] extends (...a: infer A) => void ? A : never;

export class Emitter<M extends object> {
  /** Made with the first listener: a session nobody listens to costs no map. */
  private handlers: Map<keyof M, Listener[]> | undefined;

  on<K extends keyof M>(event: K, listener: M[K]): this {
    const handlers = (this.handlers ??= new Map());
    const list = handlers.get(event);
    if (list === undefined) handlers.set(event, [listener as Listener]);
    else list.push(listener as Listener);
    return this;
  }

  once<K extends keyof M>(event: K, listener: M[K]): this {
    const wrapper = ((...args: EventArgs<M, K>) => {
      this.off(event, wrapper as M[K]);
      (listener as Listener)(...args);
    }) as M[K];
    return this.on(event, wrapper);
  }

  off<K extends keyof M>(event: K, listener: M[K]): this {
    const list = this.handlers?.get(event);
    if (list !== undefined) {
      const i = list.indexOf(listener as Listener);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  listenerCount(event: keyof M): number {
    return this.handlers?.get(event)?.length ?? 0;
  }

  /** Call every listener; true when there was at least one. */
  protected emit<K extends keyof M>(event: K, ...args: EventArgs<M, K>): boolean {
    const list = this.handlers?.get(event);
    if (list === undefined || list.length === 0) return false;
    for (const l of list.length === 1 ? list : list.slice()) l(...args);
    return true;
  }
}
