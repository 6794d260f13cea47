import type { TaskInfo } from '@marshal/contracts';
import { serviceEndpoints } from './endpoints';

const task = (taskName: string, ports: TaskInfo['ports']): TaskInfo => ({
  taskId: `id-${taskName}`, taskName, taskSpecName: 'server', service: 'hello-world', podType: 'hello', podIndex: 0, configId: 'c', goal: 'RUNNING',
  essential: true, cmd: 'x', env: { FRAMEWORK_HOST: 'hello-world.autoip.dcos.thisdcos.directory', FRAMEWORK_VIP_HOST: 'hello-world.l4lb.thisdcos.directory' },
  resources: { cpus: 1, memory: 1, disk: 0, gpus: 0 }, ports, volumes: [], configs: [], uris: [], rlimits: [], killGracePeriod: 0, labels: {},
});

// reference §6.5
describe('service endpoints', () => {
  it('lists advertised ports by name with one address and DNS name per task, and the VIP', () => {
    const eps = serviceEndpoints([
      { hostname: 'h2', task: task('hello-1-server', [{ name: 'http', port: 1235, advertise: true, vip: { prefix: 'http', port: 80 } }]) },
      { hostname: 'h1', task: task('hello-0-server', [{ name: 'http', port: 1234, advertise: true, vip: { prefix: 'http', port: 80 } }, { name: 'admin', port: 9, advertise: false }]) },
    ]);
    expect([...eps.keys()]).toEqual(['http']);
    expect(eps.get('http')).toEqual({
      address: ['h1:1234', 'h2:1235'],
      dns: ['hello-0-server.hello-world.autoip.dcos.thisdcos.directory:1234', 'hello-1-server.hello-world.autoip.dcos.thisdcos.directory:1235'],
      vip: 'http.hello-world.l4lb.thisdcos.directory:80',
    });
  });

  it('has no VIP key for ports without one, and nothing for a service without advertised ports', () => {
    expect(serviceEndpoints([{ hostname: 'h', task: task('a-0-b', [{ name: 'p', port: 1, advertise: true }]) }]).get('p')).toEqual({ address: ['h:1'], dns: ['a-0-b.hello-world.autoip.dcos.thisdcos.directory:1'] });
    expect(serviceEndpoints([]).size).toBe(0);
  });
});
