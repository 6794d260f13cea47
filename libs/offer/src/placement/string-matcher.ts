import { unreachable } from './unreachable';

/**
 * String matchers of placement rules (reference §5.4 "String matchers"), as plain serialisable data.
 * `ExactMatcher`/`InvertedExactMatcher` store their string already normalised, as the original did at construction.
 */
export type StringMatcher =
  | { type: 'ExactMatcher'; string: string }
  | { type: 'InvertedExactMatcher'; string: string }
  | { type: 'RegexMatcher'; pattern: string }
  | { type: 'AnyMatcher' };

export const anyMatcher = (): StringMatcher => ({ type: 'AnyMatcher' });
export const exactMatcher = (str: string): StringMatcher => ({ type: 'ExactMatcher', string: normalizeNumeric(str) });
export const invertedExactMatcher = (str: string): StringMatcher => ({ type: 'InvertedExactMatcher', string: normalizeNumeric(str) });
export const regexMatcher = (pattern: string): StringMatcher => ({ type: 'RegexMatcher', pattern });

/** `<name>:<value>`, the attribute string every attribute matcher sees (reference §5.4 "Offer keys"). */
export const attributeString = (name: string, value: string): string => `${name}:${value}`;

export function describeMatcher(m: StringMatcher): string {
  switch (m.type) {
    case 'ExactMatcher':
      return `ExactMatcher{str='${m.string}'}`;
    case 'InvertedExactMatcher':
      return `InvertedExactMatcher{str='${m.string}'}`;
    case 'RegexMatcher':
      return `RegexMatcher{pattern='${m.pattern}'}`;
    case 'AnyMatcher':
      return 'AnyMatcher{}';
    default:
      return unreachable(m, 'string matcher');
  }
}

const regexCache = new Map<string, RegExp | Error>();

/** Compiles a regex that must match the whole string, like Java's `Matcher.matches()`; an Error when invalid. */
export function compileWholeRegex(pattern: string): RegExp | Error {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch (e) {
      re = e instanceof Error ? e : new Error(String(e));
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** A matcher turned into a predicate once, so evaluating it per agent costs no parsing. */
export function compileMatcher(m: StringMatcher): (value: string) => boolean {
  switch (m.type) {
    case 'AnyMatcher':
      return () => true;
    case 'ExactMatcher': {
      const s = m.string;
      return (v) => v === s || normalizeNumeric(v) === s;
    }
    case 'InvertedExactMatcher': {
      const s = m.string;
      return (v) => v !== s && normalizeNumeric(v) !== s;
    }
    case 'RegexMatcher': {
      const re = compileWholeRegex(m.pattern);
      if (re instanceof Error) return () => false;
      return (v) => re.test(v);
    }
    default:
      return unreachable(m, 'string matcher');
  }
}

// Java's Double.valueOf grammar, decimal form (hex floats are not accepted here).
const JAVA_DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?$/;

/**
 * Numeric normalisation of exact matchers (reference §5.4): a string Java's `Double.valueOf` accepts is rendered with
 * `DecimalFormat("0.###")` (HALF_EVEN on the shortest decimal representation), so `1.0` equals `1` and
 * `100.0001` equals `100`. Other strings are returned unchanged.
 */
export function normalizeNumeric(s: string): string {
  const t = javaTrim(s);
  if (t.length === 0 || !JAVA_DOUBLE.test(t)) return s;
  const n = Number(/[fFdD]$/.test(t) ? t.slice(0, -1) : t);
  if (!Number.isFinite(n)) return s;
  return formatDecimal3(n);
}

function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  return s.slice(a, b);
}

function formatDecimal3(n: number): string {
  const neg = n < 0 || Object.is(n, -0);
  const [mantissa, expText] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const point = Number(expText) + 1;
  let intPart: string;
  let frac: string;
  if (point <= 0) {
    intPart = '0';
    frac = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    intPart = digits + '0'.repeat(point - digits.length);
    frac = '';
  } else {
    intPart = digits.slice(0, point);
    frac = digits.slice(point);
  }
  let whole = intPart + frac.slice(0, 3).padEnd(3, '0');
  const rest = frac.slice(3);
  if (rest.length > 0) {
    const first = rest.charCodeAt(0) - 48;
    const roundUp = first > 5 || (first === 5 && (/[1-9]/.test(rest.slice(1)) || (whole.charCodeAt(whole.length - 1) - 48) % 2 === 1));
    if (roundUp) whole = incrementDigits(whole);
  }
  const ip = whole.slice(0, whole.length - 3).replace(/^0+(?=\d)/, '');
  const fp = whole.slice(-3).replace(/0+$/, '');
  const text = fp ? `${ip}.${fp}` : ip;
  return neg ? `-${text}` : text;
}

function incrementDigits(d: string): string {
  const chars = d.split('');
  let i = chars.length - 1;
  while (i >= 0) {
    if (chars[i] === '9') {
      chars[i] = '0';
      i--;
    } else {
      chars[i] = String.fromCharCode(chars[i].charCodeAt(0) + 1);
      return chars.join('');
    }
  }
  return '1' + chars.join('');
}
