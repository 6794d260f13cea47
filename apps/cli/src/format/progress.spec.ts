import { planFinished, progressBar } from './progress';

describe('progress bar', () => {
  it('fills with the share of complete steps', () => {
    const plan = { status: 'IN_PROGRESS', phases: [{ steps: [{ status: 'COMPLETE' }, { status: 'STARTING' }, { status: 'PENDING' }, { status: 'COMPLETE' }] }] };
    expect(progressBar(plan, 8)).toBe('[████░░░░] 2/4 steps complete');
    expect(planFinished(plan)).toBeUndefined();
  });
  it('says when a plan has finished, well or badly', () => {
    expect(planFinished({ status: 'COMPLETE' })).toBe('complete');
    expect(planFinished({ status: 'ERROR' })).toBe('error');
    expect(planFinished({ status: 'PENDING', errors: ['x'] })).toBe('error');
    expect(progressBar({ status: 'COMPLETE', phases: [] }, 4)).toBe('[████] 0/0 steps complete');
  });
});
