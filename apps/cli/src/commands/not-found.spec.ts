import type { Server } from 'node:http';
import { standInGateway, runCli as run } from '../testing/stand-in-gateway';
import { notFoundText } from './not-found';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

describe('not found: what exists, and the closest', () => {
  it('names the closest when it is close, and lists them all', () => {
    expect(notFoundText('plan', 'deplyo', ['deploy', 'recovery'])).toBe('Plan deplyo not found. Did you mean deploy? Plans: deploy, recovery.');
    expect(notFoundText('pod', 'zzz-9', ['hello-0', 'hello-1'])).toBe('Pod zzz-9 not found. Pods: hello-0, hello-1.');
    expect(notFoundText('step', 'x', [])).toBe('Step x not found. There are no steps.');
  });

  it('plan status of an unknown plan asks the gateway what exists', async () => {
    const g = await standInGateway((req) => (req.url.endsWith('/plans') ? [200, '["deploy","recovery"]'] : [404, 'Plan deplyo not found']));
    servers.push(g.server);
    const r = await run(g.url, '--name', 'hello-world', 'plan', 'status', 'deplyo');
    expect(r.error).toMatchObject({ exitCode: 5, message: 'Plan deplyo not found. Did you mean deploy? Plans: deploy, recovery.' });
  });

  it('a verb on an unknown step of a known phase names the steps', async () => {
    const g = await standInGateway((req) => {
      if (req.url.endsWith('/plans')) return [200, '["deploy"]'];
      if (req.method === 'GET') return [200, JSON.stringify({ status: 'COMPLETE', phases: [{ name: 'hello', steps: [{ name: 'hello-0:[server]' }] }] })];
      return [404, 'Element not found'];
    });
    servers.push(g.server);
    const r = await run(g.url, '--name', 'hello-world', 'plan', 'force-restart', 'deploy', 'hello', 'hello-0:[sever]');
    expect(r.error).toMatchObject({ exitCode: 5, message: 'Step hello-0:[sever] not found. Did you mean hello-0:[server]? Steps: hello-0:[server].' });
  });

  it('pod status of an unknown pod names the pods', async () => {
    const g = await standInGateway((req) => (req.url.endsWith('/pod') ? [200, '["hello-0"]'] : [404, 'Pod hello-9 not found']));
    servers.push(g.server);
    const r = await run(g.url, '--name', 'hello-world', 'pod', 'status', 'hello-9');
    expect(r.error).toMatchObject({ exitCode: 5, message: 'Pod hello-9 not found. Did you mean hello-0? Pods: hello-0.' });
  });
});
