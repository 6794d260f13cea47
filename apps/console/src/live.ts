import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api';

type Listener = (seq: number) => void;

/**
 * Follows `GET /v1/stream` (server-sent events: `change` with the read models' sequence) and tells every view to
 * re-read. The browser's EventSource reconnects by itself after a dropped connection; when the gateway refuses or the
 * stream is closed for good, this opens a new one after a pause.
 */
class LiveStream {
  private source: EventSource | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(connected: boolean) => void>();
  private retry: ReturnType<typeof setTimeout> | undefined;
  connected = false;

  start(): void {
    if (this.source) return;
    const source = new EventSource('/v1/stream', { withCredentials: true });
    this.source = source;
    source.addEventListener('open', () => this.setConnected(true));
    source.addEventListener('change', (e) => {
      const seq = (JSON.parse((e as MessageEvent<string>).data) as { seq: number }).seq;
      if (seq > api.seq) api.seq = seq;
      for (const l of this.listeners) l(seq);
    });
    source.addEventListener('error', () => {
      this.setConnected(false);
      if (source.readyState === EventSource.CLOSED) {
        this.source = undefined;
        this.retry = setTimeout(() => this.start(), 2000);
      }
    });
  }

  stop(): void {
    if (this.retry) clearTimeout(this.retry);
    this.source?.close();
    this.source = undefined;
    this.setConnected(false);
  }

  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onState(l: (connected: boolean) => void): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }

  private setConnected(c: boolean): void {
    this.connected = c;
    for (const l of this.stateListeners) l(c);
  }
}

export const live = new LiveStream();

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  /** Read again now (after a command). */
  reload: () => void;
}

/**
 * What `load` answers, read again whenever the stream announces a change (at most one read in flight: changes that
 * arrive meanwhile cause one more read when it ends), and when `deps` change.
 */
export function useLive<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], opts: { live?: boolean } = {}): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const state = useRef({ busy: false, again: false, ctl: new AbortController() });
  const run = useRef<() => void>(() => undefined);

  useEffect(() => {
    const s = { busy: false, again: false, ctl: new AbortController() };
    state.current = s;
    setData(undefined);
    setError(undefined);
    const go = (): void => {
      if (s.ctl.signal.aborted) return;
      if (s.busy) {
        s.again = true;
        return;
      }
      s.busy = true;
      load(s.ctl.signal)
        .then((d) => {
          if (s.ctl.signal.aborted) return;
          setData(d);
          setError(undefined);
        })
        .catch((e: unknown) => {
          if (s.ctl.signal.aborted) return;
          setError(e instanceof Error ? e.message : String(e));
        })
        .finally(() => {
          s.busy = false;
          if (s.again) {
            s.again = false;
            go();
          }
        });
    };
    run.current = go;
    go();
    const off = opts.live === false ? () => undefined : live.on(go);
    return () => {
      off();
      s.ctl.abort();
    };
  }, deps);

  return { data, error, reload: () => run.current() };
}

/** Whether the stream is connected, for the header's indicator. */
export function useConnected(): boolean {
  const [c, setC] = useState(live.connected);
  useEffect(() => live.onState(setC), []);
  return c;
}
