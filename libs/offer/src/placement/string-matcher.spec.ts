import { compileMatcher, exactMatcher, invertedExactMatcher, normalizeNumeric, regexMatcher } from './string-matcher';

describe('string matchers (reference §5.4 "String matchers")', () => {
  it.each([
    ['empty matches empty', '', '', true],
    ['empty does not match non-empty', '', 'foo', false],
    ['different strings do not match', 'foo', 'bar', false],
    ['equal strings match', 'foo', 'foo', true],
    ['integers match', '100', '100', true],
    ['100.0 matches 100', '100.0', '100', true],
    ['100 matches 100.0', '100', '100.0', true],
    ['100 matches 100.00001 (three decimals)', '100', '100.00001', true],
    ['100 matches 100.0001', '100', '100.0001', true],
    ['100 matches 100.00011', '100', '100.00011', true],
    ['100 does not match 100.001', '100', '100.001', false],
    ['[0-9] is no regex for exact', '[0-9]', '0-9', false],
    ['{a} does not match a', '{a}', 'a', false],
    ['ab does not match a', 'ab', 'a', false],
    ['A does not match a', 'A', 'a', false],
    ['a does not match A', 'a', 'A', false],
  ])('exact: %s', (_name, str, value, expected) => {
    expect(compileMatcher(exactMatcher(str))(value)).toBe(expected);
    expect(compileMatcher(invertedExactMatcher(str))(value)).toBe(!expected);
  });

  it.each([
    ['1.0', '1'],
    ['1.2345', '1.234'],
    ['0.0025', '0.002'],
    ['0.0035', '0.004'],
    ['2.9999', '3'],
    [' 42 ', '42'],
    ['1e3', '1000'],
    ['5d', '5'],
    ['-0.0001', '-0'],
    ['rack-1', 'rack-1'],
    ['10.0.3.6', '10.0.3.6'],
    ['', ''],
    ['0x10', '0x10'],
  ])('normalises %j to %j like DecimalFormat("0.###")', (input, output) => {
    expect(normalizeNumeric(input)).toBe(output);
  });

  it('stores the normalised string, as the original did at construction', () => {
    expect(exactMatcher('1.0')).toEqual({ type: 'ExactMatcher', string: '1' });
  });

  it.each([
    ['rack-[1-3]', 'rack-2', true],
    ['rack-[1-3]', 'rack-22', false],
    ['rack', 'my-rack-1', false],
    ['hello-.*', 'hello-0-server', true],
    ['hello-.*', 'xhello-0', false],
    ['a|b', 'b', true],
  ])('regex %j must match the whole of %j: %s', (pattern, value, expected) => {
    expect(compileMatcher(regexMatcher(pattern))(value)).toBe(expected);
  });

  it('an invalid regex matches nothing', () => {
    expect(compileMatcher(regexMatcher('a('))('a(')).toBe(false);
  });
});
