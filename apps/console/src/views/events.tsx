import type { AuditEvent, ChainEvent, EventChain } from '@marshal/contracts';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine } from '../components';
import { shortTime } from '../format';
import { live, useLive } from '../live';

export interface EventFilters {
  service?: string;
  type?: string;
  actor?: string;
  since?: string;
  until?: string;
}

const FILTER_FIELDS: [keyof EventFilters, string, string][] = [
  ['service', 'Service', 'hello-world'],
  ['type', 'Type', 'StepStatusChanged'],
  ['actor', 'Actor', 'operator:alice'],
  ['since', 'Since', '2026-01-01T00:00:00Z'],
  ['until', 'Until', '2026-12-31T23:59:59Z'],
];

function query(f: EventFilters): Record<string, string | undefined> {
  return { service: f.service || undefined, type: f.type || undefined, actor: f.actor || undefined, since: f.since || undefined, until: f.until || undefined };
}

/** One line of a summary of an event's data: the fields people look for first. */
function gist(e: AuditEvent): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of ['plan', 'phase', 'step', 'status', 'state', 'pod', 'podInstance', 'taskName', 'taskId', 'agentId', 'reason', 'message']) {
    const v = d[k];
    if (typeof v === 'string' || typeof v === 'number') parts.push(`${k}=${v}`);
  }
  return parts.join(' ');
}

/**
 * The event log: filters (service, type, actor, time range), the last page, and with live tail on every new event as
 * the read models take it in; each event opens its causal chain.
 */
export function EventsView({ initial, onFilters }: { initial: EventFilters; onFilters: (f: EventFilters) => void }) {
  const [draft, setDraft] = useState<EventFilters>(initial);
  const [filters, setFilters] = useState<EventFilters>(initial);
  const [tail, setTail] = useState(true);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    const ctl = new AbortController();
    let cursor = 0;
    let busy = false;
    let again = false;
    const more = (): void => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      api
        .get('GET /v1/events', { query: { ...query(filters), after: String(cursor), limit: '200' }, signal: ctl.signal })
        .then((page) => {
          cursor = page.cursor;
          if (page.events.length > 0) setEvents((old) => [...old, ...page.events].slice(-500));
          if (page.more) again = true;
        })
        .catch((e: unknown) => {
          if (!ctl.signal.aborted) setError((e as Error).message);
        })
        .finally(() => {
          busy = false;
          if (again && !ctl.signal.aborted) {
            again = false;
            more();
          }
        });
    };
    setEvents([]);
    setError(undefined);
    api
      .get('GET /v1/events', { query: { ...query(filters), tail: '100' }, signal: ctl.signal })
      .then((page) => {
        setEvents(page.events);
        cursor = page.events.at(-1)?.seq ?? page.cursor;
      })
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setError((e as Error).message);
      });
    const off = tail ? live.on(() => more()) : () => undefined;
    return () => {
      off();
      ctl.abort();
    };
  }, [filters, tail]);

  const apply = (e: Event): void => {
    e.preventDefault();
    setFilters(draft);
    onFilters(draft);
  };
  return (
    <section class="card">
      <h2>Event log</h2>
      <form class="filters" onSubmit={apply} aria-label="event filters">
        {FILTER_FIELDS.map(([k, label, placeholder]) => (
          <label key={k}>
            {label}
            <input name={k} value={draft[k] ?? ''} placeholder={placeholder} onInput={(e) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value })} />
          </label>
        ))}
        <button type="submit">Filter</button>
        <label class="inline">
          <input type="checkbox" checked={tail} data-testid="live-tail" onChange={(e) => setTail((e.currentTarget as HTMLInputElement).checked)} /> Live tail
        </label>
      </form>
      <ErrorLine error={error} />
      <div class="table-wrap">
        <table class="events" data-testid="events">
          <thead>
            <tr>
              <th>#</th>
              <th>At</th>
              <th>Type</th>
              <th>Service</th>
              <th>Actor</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {[...events].reverse().map((e) => (
              <tr key={e.seq} data-testid="event" data-type={e.type}>
                <td>
                  <a href={`#/chain/${encodeURIComponent(e.id)}`} title="causal chain">
                    #{e.seq}
                  </a>
                </td>
                <td title={e.at}>{shortTime(e.at)}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>{e.service ?? e.agentId ?? ''}</td>
                <td>{e.actor}</td>
                <td class="gist">{gist(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

interface Node {
  event: AuditEvent | ChainEvent;
  children: Node[];
}

/** The chain as a forest: each event under the one that caused it (its `causationId`), roots first. */
function forest(chain: EventChain): Node[] {
  const all = [...chain.causes, ...chain.events.filter((e) => !chain.causes.some((c) => c.id === e.id))];
  const nodes = new Map(all.map((e) => [e.id, { event: e, children: [] as Node[] }]));
  const roots: Node[] = [];
  for (const e of all) {
    const n = nodes.get(e.id) as Node;
    const parent = e.causationId ? nodes.get(e.causationId) : undefined;
    if (parent && parent !== n) parent.children.push(n);
    else roots.push(n);
  }
  return roots;
}

function kind(type: string): string {
  if (/^(Plan|Phase|Step)/.test(type)) return 'k-plan';
  if (/Reserv|Unreserv/.test(type)) return 'k-reservation';
  if (/Launch|Kill/.test(type)) return 'k-launch';
  if (/Status/.test(type)) return 'k-status';
  if (/Pod|Command|Operator/.test(type)) return 'k-command';
  return 'k-other';
}

function ChainNode({ node, focus }: { node: Node; focus: string }) {
  const e = node.event;
  return (
    <li>
      <div class={`chain-node ${kind(e.type)}${e.id === focus ? ' focus' : ''}`} data-testid="chain-node" data-type={e.type}>
        <span class="seq">#{e.seq}</span> <code>{e.type}</code> <span class="actor">{e.actor}</span> <span class="at">{shortTime(e.at)}</span>
        <div class="gist">{gist(e)}</div>
      </div>
      {node.children.length > 0 ? (
        <ul>
          {node.children.map((c) => (
            <ChainNode key={c.event.id} node={c} focus={focus} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** The causal chain of an event, a command or a correlation, drawn as a tree of cause → effect. */
export function ChainView({ id }: { id: string }) {
  const chain = useLive((signal) => api.get('GET /v1/events/{id}/chain', { params: { id }, signal }), [id], { live: false });
  const roots = chain.data ? forest(chain.data) : [];
  return (
    <section class="card">
      <h2>
        Causal chain of <code>{id}</code>
      </h2>
      <p class="legend">
        <span class="chain-node k-command">command</span> <span class="chain-node k-plan">plan</span> <span class="chain-node k-reservation">reservation</span>{' '}
        <span class="chain-node k-launch">launch / kill</span> <span class="chain-node k-status">status</span>
      </p>
      <ErrorLine error={chain.error} />
      {chain.data?.truncated ? <p class="note">The chain is longer than shown.</p> : null}
      <ul class="chain" data-testid="chain">
        {roots.map((n) => (
          <ChainNode key={n.event.id} node={n} focus={id} />
        ))}
      </ul>
    </section>
  );
}
