import type { SessionBody } from '@marshal/contracts';
import { useEffect, useState } from 'preact/hooks';
import { ConfirmHost, ErrorLine, Tabs } from './components';
import { api } from './api';
import { live, useConnected, useLive } from './live';
import { currentSession, login, logout } from './session';
import { AgentsView } from './views/agents';
import { ConfigsView } from './views/configs';
import { ChainView, EventsView, type EventFilters } from './views/events';
import { PlacementView } from './views/placement';
import { PlansView } from './views/plans';
import { PodsView } from './views/pods';
import { ServicesView } from './views/services';

type ServiceTab = 'plans' | 'pods' | 'configurations' | 'placement';
const SERVICE_TABS: [ServiceTab, string][] = [
  ['plans', 'Plans'],
  ['pods', 'Pods'],
  ['configurations', 'Configuration'],
  ['placement', 'Placement'],
];

type Page = { kind: 'home' } | { kind: 'service'; name: string; tab: ServiceTab } | { kind: 'events'; filters: EventFilters } | { kind: 'chain'; id: string } | { kind: 'agents' };

/** `#/service/<name>/<tab>`, `#/events?type=…`, `#/chain/<id>`, `#/agents`. */
export function parseHash(hash: string): Page {
  const [path, qs] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'service' && parts[1]) {
    const tab = SERVICE_TABS.find(([k]) => k === parts[2])?.[0] ?? 'plans';
    return { kind: 'service', name: parts[1], tab };
  }
  if (parts[0] === 'events') {
    const q = new URLSearchParams(qs ?? '');
    const filters: EventFilters = {};
    for (const k of ['service', 'type', 'actor', 'since', 'until'] as const) {
      const v = q.get(k);
      if (v) filters[k] = v;
    }
    return { kind: 'events', filters };
  }
  if (parts[0] === 'chain' && parts[1]) return { kind: 'chain', id: parts[1] };
  if (parts[0] === 'agents') return { kind: 'agents' };
  return { kind: 'home' };
}

function useHash(): Page {
  const [page, setPage] = useState(parseHash(location.hash));
  useEffect(() => {
    const on = (): void => setPage(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return page;
}

function Login({ onIn }: { onIn: (s: SessionBody) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = (e: Event): void => {
    e.preventDefault();
    login(token)
      .then((s) => {
        setToken('');
        onIn(s);
      })
      .catch((err: unknown) => setError((err as Error).message));
  };
  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-label="log in">
        <h2>Log in to Marshal</h2>
        <p>Paste a token (npm start writes them to .marshal/tokens.json). The console keeps no copy: the gateway answers with a session cookie.</p>
        <label>
          Token
          <input type="password" name="token" autocomplete="off" value={token} required onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit">Log in</button>
        <ErrorLine error={error} />
      </form>
    </main>
  );
}

function ServicePage({ name, tab, session, installed }: { name: string; tab: ServiceTab; session: SessionBody; installed: boolean | undefined }) {
  return (
    <div class="service-page" data-testid="service-page">
      <h2 class="service-title">{name}</h2>
      <Tabs tabs={SERVICE_TABS} current={tab} href={(k) => `#/service/${encodeURIComponent(name)}/${k}`} />
      {installed === false ? <p class="card">{name} is not installed (yet): this page fills in as soon as it is.</p> : null}
      {!installed ? null : tab === 'plans' ? <PlansView service={name} role={session.role} /> : null}
      {tab === 'pods' ? <PodsView service={name} role={session.role} /> : null}
      {tab === 'configurations' ? <ConfigsView service={name} /> : null}
      {tab === 'placement' ? <PlacementView service={name} /> : null}
      <p>
        <a href={`#/events?service=${encodeURIComponent(name)}`}>Events of {name}</a>
      </p>
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<SessionBody | undefined | null>(null);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    currentSession()
      .then((s) => setSession(s))
      .catch((e: unknown) => setError((e as Error).message));
  }, []);
  useEffect(() => {
    if (session) live.start();
    else live.stop();
  }, [session]);

  if (session === null) return <ErrorLine error={error} />;
  if (session === undefined) return <Login onIn={setSession} />;
  return <Shell session={session} onOut={() => setSession(undefined)} />;
}

function Shell({ session, onOut }: { session: SessionBody; onOut: () => void }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const page = useHash();
  const connected = useConnected();
  const services = useLive((signal) => api.get('GET /v1/services', { signal }), []);
  const out = (): void => {
    logout()
      .then(onOut)
      .catch((e: unknown) => setError((e as Error).message));
  };
  const installed = (name: string): boolean | undefined => (services.data ? services.data.some((s) => s.name === name) : undefined);
  return (
    <>
      <header class="top">
        <h1>
          <a href="#/">Marshal</a>
        </h1>
        <nav aria-label="main">
          <a href="#/">Services</a>
          <a href="#/events">Events</a>
          <a href="#/agents">Agents</a>
        </nav>
        <span class={connected ? 'live on' : 'live'} data-testid="live" aria-live="polite">
          {connected ? '● live' : '○ reconnecting'}
        </span>
        <span class="who" data-testid="who">
          {session.subject} ({session.role})
        </span>
        <button class="link" onClick={out}>
          Log out
        </button>
      </header>
      <ErrorLine error={error} />
      <div class="layout">
        <ServicesView current={page.kind === 'service' ? page.name : undefined} services={services} />
        <main>
          {page.kind === 'home' ? <p class="card">Pick a service, or open the event log or the agents.</p> : null}
          {page.kind === 'service' ? <ServicePage name={page.name} tab={page.tab} session={session} installed={installed(page.name)} /> : null}
          {page.kind === 'events' ? (
            <EventsView
              initial={page.filters}
              onFilters={(f) => {
                const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]).toString();
                history.replaceState(null, '', `#/events${q ? `?${q}` : ''}`);
              }}
            />
          ) : null}
          {page.kind === 'chain' ? <ChainView id={page.id} /> : null}
          {page.kind === 'agents' ? <AgentsView /> : null}
        </main>
      </div>
      <ConfirmHost />
    </>
  );
}
