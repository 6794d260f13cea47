import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { detectResources, parseAttributes, parseMounts, parsePortRanges } from './resources';

describe('agent resources from flags and environment', () => {
  it.each([
    ['one range', '10000-20000', [{ begin: 10000, end: 20000 }]],
    ['several, spaces allowed', '10000-10010, 31000 - 32000', [{ begin: 10000, end: 10010 }, { begin: 31000, end: 32000 }]],
    ['none', '', []],
  ])('ports: %s', (_name, text, ranges) => {
    expect(parsePortRanges(text)).toEqual(ranges);
  });

  it.each([
    ['not a range', '10000', "AGENT_PORTS: '10000' is not a range like 10000-20000"],
    ['reversed', '20-10', "AGENT_PORTS: '20-10' must satisfy begin <= end <= 65535"],
    ['beyond 65535', '65000-70000', "AGENT_PORTS: '65000-70000' must satisfy begin <= end <= 65535"],
  ])('ports: %s is an error naming the entry', (_name, text, message) => {
    expect(() => parsePortRanges(text)).toThrow(message);
  });

  it('attributes: key:value pairs, a value may hold colons', () => {
    expect(parseAttributes('rack:r1, gpu:true,url:http://x:1')).toEqual({ rack: 'r1', gpu: 'true', url: 'http://x:1' });
    expect(() => parseAttributes('rack')).toThrow("AGENT_ATTRIBUTES: 'rack' is not key:value");
  });

  it('MOUNT disks: path, size in MB and an optional profile', () => {
    expect(parseMounts('/mnt/d1:10240:ssd,/mnt/d2:20480')).toEqual([
      { root: '/mnt/d1', size: 10240, profile: 'ssd' },
      { root: '/mnt/d2', size: 20480 },
    ]);
    expect(() => parseMounts('/mnt/d1:big')).toThrow("AGENT_MOUNTS: '/mnt/d1:big' is not path:sizeMB[:profile]");
  });

  it('offers what it is told, and detects cpus, memory and disk it is not told', () => {
    const dir = mkdtempSync(`${tmpdir()}/agent-res-`);
    const told = detectResources({ cpus: 2, memoryMb: 1024, diskMb: 5000, gpus: 1, ports: '10000-10001', mounts: '' }, dir);
    expect(told).toEqual({ cpus: 2, memory: 1024, disk: 5000, gpus: 1, ports: [{ begin: 10000, end: 10001 }], mounts: [] });
    const detected = detectResources({ cpus: 0, memoryMb: 0, diskMb: 0, gpus: 0, ports: '', mounts: '' }, dir);
    expect(detected.cpus).toBe(cpus().length);
    expect(detected.memory).toBeGreaterThan(0);
    expect(detected.disk).toBeGreaterThan(0);
  });
});
