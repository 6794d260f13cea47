import { sanitizeWorldText } from './world-text';

describe('sanitizeWorldText', () => {
  it.each([
    ['NUL', 'a\0b', 'a\uFFFDb'],
    ['a lone high surrogate', 'x\uD83Dy', 'x\uFFFDy'],
    ['a lone low surrogate', 'x\uDE00y', 'x\uFFFDy'],
    ['a high surrogate at the end', 'x\uD83D', 'x\uFFFD'],
  ])('replaces %s', (_, input, expected) => {
    expect(sanitizeWorldText(input)).toBe(expected);
  });

  it('keeps valid text, emoji included', () => {
    expect(sanitizeWorldText('héllo 😀 wörld\n\ttab')).toBe('héllo 😀 wörld\n\ttab');
  });

  it('keeps the tail of a long text, marked, without splitting a pair', () => {
    const long = 'a'.repeat(100) + '😀'.repeat(10);
    const out = sanitizeWorldText(long, 11);
    expect(out.length).toBe(11);
    expect(out.startsWith('…')).toBe(true);
    expect(out).toBe(`…${'😀'.repeat(5)}`);
    // An odd cut splits a pair: the half left over is replaced, never kept.
    expect(sanitizeWorldText(long, 10)).toBe(`…\uFFFD${'😀'.repeat(4)}`);
  });
});
