import { readdirSync } from 'node:fs';
import { MIGRATIONS } from '.';

/**
 * `generations.ts` records each applied migration by its `name` (`<Class><timestamp>`) in `read_model_migrations`:
 * that name is what an existing database knows, so it must never change, while the file's number is only for people
 * and may. These tests keep both unique and in one order.
 */
const files = readdirSync(__dirname).filter((f) => /^\d{4}-.*\.ts$/.test(f) && !f.endsWith('.spec.ts'));
const recorded = MIGRATIONS.map((M) => new M().name ?? M.name);

/** Names already recorded in deployed databases, in the order they were applied. Append; never edit. */
const SHIPPED = ['ReadModels1763800000000', 'AuditRefs1763900000000', 'PlanEngine1764000000000'];

describe('read-model migrations', () => {
  it('have one file each, numbered 0001, 0002, … without gaps or duplicates', () => {
    const numbers = files.map((f) => Number(f.slice(0, 4))).sort((a, b) => a - b);
    expect(numbers).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('are listed in the order of their file numbers and of the timestamps in their names', () => {
    const byNumber = [...files].sort();
    const timestamps = recorded.map((n) => Number(/(\d{13})$/.exec(n)?.[1]));
    expect(timestamps.every((t) => Number.isFinite(t))).toBe(true);
    expect([...timestamps].sort((a, b) => a - b)).toEqual(timestamps);
    expect(new Set(timestamps).size).toBe(timestamps.length);
    // The class a file exports is the one listed at the file's position.
    byNumber.forEach((file, i) => {
      const exported = Object.values(require(`./${file.replace(/\.ts$/, '')}`) as Record<string, unknown>);
      expect(exported).toContain(MIGRATIONS[i]);
    });
  });

  it('keep the names existing databases recorded, and every name is unique', () => {
    expect(new Set(recorded).size).toBe(recorded.length);
    expect(recorded.slice(0, SHIPPED.length)).toEqual(SHIPPED);
  });
});
