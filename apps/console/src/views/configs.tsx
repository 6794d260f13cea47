import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine } from '../components';
import { useLive } from '../live';

export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
}

/** A line diff (longest common subsequence) of two texts. */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ kind: 'same', text: x[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ kind: 'del', text: x[i++] });
    else out.push({ kind: 'add', text: y[j++] });
  }
  while (i < n) out.push({ kind: 'del', text: x[i++] });
  while (j < m) out.push({ kind: 'add', text: y[j++] });
  return out;
}

/** Configuration history: every target the service had, and the diff between any two of them. */
export function ConfigsView({ service }: { service: string }) {
  const ids = useLive(
    async (signal) => {
      const [list, target] = await Promise.all([api.get('GET /v1/configurations', { service, signal }), api.get('GET /v1/configurations/targetId', { service, signal })]);
      return { list, target: target[0] };
    },
    [service],
  );
  const [pick, setPick] = useState<{ a?: string; b?: string }>({});
  const a = pick.a ?? ids.data?.list.at(-2) ?? ids.data?.list[0];
  const b = pick.b ?? ids.data?.target;
  const diff = useLive(
    async (signal) => {
      if (!a || !b) return [];
      const [ca, cb] = await Promise.all([a, b].map((id) => api.get('GET /v1/configurations/{id}', { service, params: { id }, signal })));
      return diffLines(JSON.stringify(ca, null, 2), JSON.stringify(cb, null, 2));
    },
    [service, a, b],
    { live: false },
  );
  const select = (which: 'a' | 'b', value: string | undefined) => (
    <select value={value} aria-label={which === 'a' ? 'from configuration' : 'to configuration'} onChange={(e) => setPick({ ...pick, [which]: (e.currentTarget as HTMLSelectElement).value })}>
      {ids.data?.list.map((id) => (
        <option key={id} value={id}>
          {id}
          {id === ids.data?.target ? ' (target)' : ''}
        </option>
      ))}
    </select>
  );
  const changed = diff.data?.filter((l) => l.kind !== 'same').length ?? 0;
  return (
    <section class="card">
      <h3>Configuration history</h3>
      <ErrorLine error={ids.error ?? diff.error} />
      <p>{ids.data?.list.length ?? 0} configurations. Compare</p>
      <div class="row">
        {select('a', a)} → {select('b', b)}
      </div>
      <p>{a === b ? 'The same configuration.' : `${changed} changed line${changed === 1 ? '' : 's'}.`}</p>
      <pre class="diff" data-testid="config-diff">
        {diff.data?.map((l, i) => (
          <div key={i} class={`d-${l.kind}`}>
            {l.kind === 'add' ? '+ ' : l.kind === 'del' ? '- ' : '  '}
            {l.text}
          </div>
        ))}
      </pre>
    </section>
  );
}
