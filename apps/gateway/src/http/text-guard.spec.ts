import { assertCleanText, badText, findBadText } from './text-guard';

describe('text refused at the edge: NUL and lone surrogates, named by where they are', () => {
  it.each([
    ['plain text', 'hello wörld ✓ 😀', undefined],
    ['a NUL', 'a\u0000b', 'contains a NUL character (\\u0000)'],
    ['a lone high surrogate', 'a\uD800b', 'contains a lone UTF-16 surrogate (not valid Unicode)'],
    ['a lone low surrogate', '\uDC00', 'contains a lone UTF-16 surrogate (not valid Unicode)'],
    ['a reversed pair', '\uDC00\uD800', 'contains a lone UTF-16 surrogate (not valid Unicode)'],
  ])('%s', (_name, text, expected) => {
    expect(badText(text)).toBe(expected);
  });

  it('finds bad text nested in bodies, in values and in names, with a JSON pointer', () => {
    expect(findBadText({ parameters: { A: 'x', B: 'y\u0000' } }, 'body')).toEqual({ path: 'body/parameters/B', message: 'contains a NUL character (\\u0000)' });
    expect(findBadText([{ ok: [1, 'fine', ['\uD83D']] }], 'body')).toEqual({ path: 'body/0/ok/2/0', message: expect.stringContaining('lone UTF-16 surrogate') });
    expect(findBadText({ 'a/b\u0000': 1 }, 'body')).toEqual({ path: 'body/a~1b\u0000', message: 'the name contains a NUL character (\\u0000)' });
    expect(findBadText({ fine: ['ok', 1, null, true] }, 'body')).toBeUndefined();
  });

  it('walks a deeply nested body without exhausting the stack', () => {
    let deep: unknown = 'bad\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findBadText(deep, 'body')?.message).toBe('contains a NUL character (\\u0000)');
  });

  it('checks path parameters, query and body of a request, refusing with INVALID_ARGUMENT naming the field', () => {
    expect(() => assertCleanText({ params: { plan: 'deploy' }, query: { phase: 'p\u0000' }, body: undefined })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: 'query/phase contains a NUL character (\\u0000)' }),
    );
    expect(() => assertCleanText({ params: { pod: '\uDFFF' }, query: {}, body: {} })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: [expect.objectContaining({ path: 'path/pod' })] }));
    expect(() => assertCleanText({ params: {}, query: {}, body: { A: 'valid 😀' } })).not.toThrow();
  });
});
