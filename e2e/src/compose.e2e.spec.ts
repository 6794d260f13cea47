import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  build?: unknown;
  image?: string;
}

function describeConfig(app: string): string[] {
  const out = execFileSync(process.execPath, [join(root, 'apps', app, 'dist', 'main.js'), '--describe-config'], { encoding: 'utf8' });
  return (JSON.parse(out) as { variables: { name: string }[] }).variables.map((v) => v.name);
}

/** docker-compose.yml must not drift from the code: every app has a service, and every variable is one the app reads. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const apps = readdirSync(join(root, 'apps')).filter((a) => a !== 'cli');

  it.each(apps)('runs %s and sets only variables it reads', (app) => {
    const services = Object.entries(compose.services).filter(([, s]) => s.command?.includes(`apps/${app}/dist/main.js`));
    expect(services.length).toBeGreaterThan(0);
    const known = new Set(describeConfig(app));
    for (const [name, s] of services) {
      const unknown = Object.keys(s.environment ?? {}).filter((k) => !known.has(k));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
    }
  });

  it('runs three agents in different zones, and builds one image for all services', () => {
    const agents = Object.values(compose.services).filter((s) => s.command?.includes('apps/agent/dist/main.js'));
    expect(new Set(agents.map((a) => a.environment?.['AGENT_ZONE'])).size).toBe(3);
    const images = new Set(Object.values(compose.services).filter((s) => s.command?.[1]?.startsWith('apps/')).map((s) => s.image));
    expect([...images]).toEqual(['marshal:latest']);
  });

  const composeBin = ['docker-compose', 'docker'].find((bin) => spawnSync(bin, bin === 'docker' ? ['compose', 'version'] : ['version']).status === 0);
  (composeBin ? it : it.skip)('passes `docker-compose config` when a compose CLI is installed', () => {
    const args = composeBin === 'docker' ? ['compose', '-f', 'docker-compose.yml', 'config', '-q'] : ['-f', 'docker-compose.yml', 'config', '-q'];
    const r = spawnSync(composeBin as string, args, { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
