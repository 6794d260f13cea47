import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '@marshal/testing';
import { startCluster, type Cluster } from './support';

const AGENT_SECRET = 'agent-only-secret-value-7f3a';

/**
 * What a task can and cannot see (docs/security.md): it runs as an unprivileged user, cannot read the files only the
 * agent's user may read (tokens, NATS credentials), has none of the agent's environment, and cannot make the agent
 * write outside its sandbox through a URI.
 */
describe('tasks cannot take over the cluster', () => {
  let cluster: Cluster;
  let db: Client;
  const dir = mkdtempSync(join(tmpdir(), 'marshal-security-tasks-'));
  let tokensFile: string;
  let credsFile: string;

  const sandboxFile = async (service: string, name: string): Promise<string> =>
    eventually(
      async () => {
        const rows = (await db.query(`SELECT task_id, agent_id FROM tasks WHERE service = $1 AND state = 'TASK_RUNNING'`, [service])).rows as { task_id: string; agent_id: string }[];
        if (rows.length !== 1) throw new Error(`${service} is not running`);
        const file = join(cluster.ensemble.agentDir(rows[0].agent_id), 'sandboxes', rows[0].task_id, name);
        if (!existsSync(file)) throw new Error(`${file} not written yet`);
        return readFileSync(file, 'utf8');
      },
      { timeoutMs: 60_000, what: `${name} of ${service}` },
    );

  const install = async (name: string, pod: string[], scheduler: string[] = []): Promise<void> => {
    const pkg = join(dir, name);
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'marathon.json.mustache'), `{ "id": "${name}", "env": {} }\n`);
    writeFileSync(join(pkg, 'svc.yml'), [`name: ${name}`, ...scheduler, 'pods:', '  probe:', '    count: 1', ...pod, ''].join('\n'));
    expect(await cluster.cli('install', pkg)).toMatchObject({ code: 0, stderr: '' });
  };

  beforeAll(async () => {
    cluster = await startCluster([{ id: 'n1', env: { AGENT_SECRET_FOR_TEST: AGENT_SECRET } }]);
    db = new Client({ connectionString: cluster.db.url });
    await db.connect();
    // What `npm start` keeps next to the agents (the operators' tokens), and credentials in the agent's own directory.
    tokensFile = join(cluster.stateDir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ admin: cluster.ensemble.tokens.admin }), { mode: 0o600 });
    credsFile = join(cluster.ensemble.agentDir('n1'), 'nats.creds');
    mkdirSync(dirname(credsFile), { recursive: true });
    writeFileSync(credsFile, '-----BEGIN NATS USER JWT-----\nsecret\n', { mode: 0o600 });
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  });

  it('a task runs as the unprivileged default user, cannot read the tokens or the NATS credentials, and has none of the agent environment', async () => {
    await install('probe', [
      '    tasks:',
      '      server:',
      '        goal: RUNNING',
      `        cmd: "id -un > who; env > environment; cat ${tokensFile} > tokens.out 2> tokens.err; echo $? >> tokens.err; cat ${credsFile} > creds.out 2> creds.err; echo $? >> creds.err; touch done; sleep 1000"`,
      '        cpus: 0.1',
      '        memory: 32',
    ]);
    await cluster.waitForPlan('probe', 'deploy', 'COMPLETE');
    await sandboxFile('probe', 'done');

    expect((await sandboxFile('probe', 'who')).trim()).toBe('nobody');

    expect(await sandboxFile('probe', 'tokens.out')).toBe('');
    expect(await sandboxFile('probe', 'tokens.err')).toMatch(/Permission denied\n1\n$/);
    expect(await sandboxFile('probe', 'creds.out')).toBe('');
    expect(await sandboxFile('probe', 'creds.err')).toMatch(/Permission denied\n1\n$/);

    const env = Object.fromEntries(
      (await sandboxFile('probe', 'environment'))
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env['MESOS_TASK_ID']).toMatch(/^probe__probe-0-server__/);
    expect(env['TASK_NAME']).toBe('probe-0-server');
    const leaked = Object.keys(env).filter((k) => /^(NATS_|DATABASE_|MARSHAL_|AGENT_|PG)/.test(k));
    expect(leaked).toEqual([]);
    expect(JSON.stringify(env)).not.toContain(AGENT_SECRET);
    expect(JSON.stringify(env)).not.toContain(cluster.db.url);
  });

  it("a task runs as the user its spec names, its volume that user's", async () => {
    await install(
      'owned',
      ['    tasks:', '      server:', '        goal: RUNNING', '        cmd: "id -un > who; id -un > data/written-by; sleep 1000"', '        cpus: 0.1', '        memory: 32', '        volume:', '          path: data', '          type: ROOT', '          size: 10'],
      ['scheduler:', '  user: daemon'],
    );
    await cluster.waitForPlan('owned', 'deploy', 'COMPLETE');
    expect((await sandboxFile('owned', 'who')).trim()).toBe('daemon');
    expect((await sandboxFile('owned', 'data/written-by')).trim()).toBe('daemon');
  });

  it('a URI naming a file outside the sandbox (http://host/..%2F..%2Fx) is refused with TASK_FAILED saying why', async () => {
    const uri = 'http://127.0.0.1:9/..%2F..%2Fx';
    await install('fetcher', ['    uris:', `      - ${uri}`, '    tasks:', '      server:', '        goal: RUNNING', '        cmd: sleep 1000', '        cpus: 0.1', '        memory: 32']);
    const failed = await eventually(
      async () => {
        const rows = (
          await db.query(`SELECT data FROM events WHERE type = 'TaskStatusUpdated' AND data->>'service' = 'fetcher' AND data->>'state' = 'TASK_FAILED' ORDER BY seq LIMIT 1`)
        ).rows as { data: { message: string } }[];
        if (rows.length === 0) throw new Error('no TASK_FAILED yet');
        return rows[0].data;
      },
      { timeoutMs: 60_000, what: 'the fetcher task failed' },
    );
    expect(failed.message).toContain(uri);
    expect(failed.message).toContain("its file name '../../x' would land outside the sandbox: refused");
    const agentDir = cluster.ensemble.agentDir('n1');
    expect(existsSync(join(agentDir, 'x'))).toBe(false);
    expect(existsSync(join(agentDir, 'sandboxes', 'x'))).toBe(false);
    // Never started: no TASK_RUNNING for it.
    const running = (await db.query(`SELECT count(*)::int AS n FROM events WHERE type = 'TaskStatusUpdated' AND data->>'service' = 'fetcher' AND data->>'state' = 'TASK_RUNNING'`)).rows[0].n;
    expect(running).toBe(0);
  });
});
