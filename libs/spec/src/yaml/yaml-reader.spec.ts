import { Issues } from '../validation-error';
import { parseYaml } from './yaml-reader';

describe('YAML syntax errors', () => {
  it('a missing bracket gives one error, with its line and column, not the cascade that follows from it', () => {
    const text = 'name: svc\npods:\n  hello:\n    count: [1\n    tasks:\n      server:\n        goal: RUNNING\n        cmd: echo hi\n        cpus: 0.1\n        memory: 32\n';
    const issues = new Issues();
    expect(parseYaml(text, 'svc.yml', issues).root).toBeNull();
    expect(issues.errors).toEqual([{ path: 'svc.yml', message: expect.stringMatching(/^YAML syntax error: .+ \(line \d+, column \d+\)$/) }]);
    expect(issues.errors[0].message).not.toContain('\n');
  });

  it('names the line and column of the first error', () => {
    const issues = new Issues();
    parseYaml('name: a\nb: [1,\n', 'svc.yml', issues);
    expect(issues.errors).toHaveLength(1);
    expect(issues.errors[0].message).toMatch(/\(line 3, column 1\)$/);
  });
});
