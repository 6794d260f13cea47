import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { statusClass } from './format';

export function Status({ status }: { status: string | null | undefined }) {
  return <span class={statusClass(status)}>{status ?? '…'}</span>;
}

export function ErrorLine({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Progress({ done, total, label }: { done: number; total: number; label?: string }) {
  const pct = total === 0 ? 100 : Math.round((done / total) * 100);
  return (
    <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-label={label ?? 'progress'}>
      <div class="progress-fill" style={{ width: `${pct}%` }} />
      <span class="progress-text">
        {done}/{total}
      </span>
    </div>
  );
}

interface Pending {
  text: string;
  resolve: (ok: boolean) => void;
}
let openConfirm: ((p: Pending) => void) | undefined;

/** Asks the user to confirm a destructive action in a modal dialog (keyboard: Enter confirms, Escape cancels). */
export function confirmAction(text: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!openConfirm) throw new Error('the confirmation dialog is not mounted');
    openConfirm({ text, resolve });
  });
}

export function ConfirmHost() {
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    openConfirm = setPending;
    return () => {
      openConfirm = undefined;
    };
  }, []);
  useEffect(() => {
    if (pending && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [pending]);
  const answer = (ok: boolean): void => {
    dialog.current?.close();
    pending?.resolve(ok);
    setPending(undefined);
  };
  return (
    <dialog ref={dialog} class="confirm" data-testid="confirm" onCancel={() => answer(false)}>
      <p>{pending?.text}</p>
      <div class="row">
        <button class="danger" data-testid="confirm-yes" onClick={() => answer(true)}>
          Confirm
        </button>
        <button data-testid="confirm-no" onClick={() => answer(false)} autofocus>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

/**
 * A list of fixed-height rows of which only those in view (plus a margin) are in the DOM: a phase of 1,000 steps costs
 * the same to render and update as one of 30.
 */
export function VirtualList<T>({ items, rowHeight, height, render, testid }: { items: T[]; rowHeight: number; height: number; render: (item: T, index: number) => ComponentChildren; testid?: string }) {
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / rowHeight) - 10);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + 10);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div class="vrow" key={i} style={{ transform: `translateY(${i * rowHeight}px)`, height: `${rowHeight}px` }}>
        {render(items[i], i)}
      </div>,
    );
  }
  return (
    <div class="vlist" data-testid={testid} style={{ height: `${Math.min(height, items.length * rowHeight)}px` }} onScroll={(e) => setTop((e.currentTarget as HTMLDivElement).scrollTop)}>
      <div class="vspace" style={{ height: `${items.length * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}

export function Tabs<K extends string>({ tabs, current, href }: { tabs: [K, string][]; current: K; href: (k: K) => string }) {
  return (
    <nav class="tabs" aria-label="sections">
      {tabs.map(([k, label]) => (
        <a key={k} href={href(k)} class={k === current ? 'on' : ''} aria-current={k === current ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}
