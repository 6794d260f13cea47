import type { OperatorArgs } from './placement-operator';
import { compileWholeRegex, regexMatcher, type StringMatcher } from './string-matcher';

/** A row the parser cannot turn into a rule; its message is the original's text (reference §5.5 "Errors"). */
export class ConstraintError extends Error {}

/** The operator's parameter, or the original's error when the row has none. */
export function required(args: OperatorArgs): string {
  if (args.parameter === undefined) throw new ConstraintError(`Missing required parameter for operator '${args.operatorName}'.`);
  return args.parameter;
}

/** Java's `Integer.parseInt`: optional sign, decimal digits, 32-bit range. */
export function parseJavaInt(operatorName: string, text: string): number {
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n > 2147483647 || n < -2147483648) {
    throw new ConstraintError(`Unable to parse max parameter as integer for '${operatorName}' operation: ${text}`);
  }
  return n;
}

/** A whole-string regex matcher, or the original's error for a pattern that does not compile. */
export function regex(pattern: string, operatorName: string): StringMatcher {
  const re = compileWholeRegex(pattern);
  if (re instanceof Error) {
    throw new ConstraintError(`Invalid regular expression '${pattern}' for operator '${operatorName}': ${re.message}`);
  }
  return regexMatcher(pattern);
}

/**
 * The original built `<name>:.*` from the raw attribute name, so a name with regex characters changed the pattern;
 * escaping them keeps `rack.id:UNIQUE` about the attribute `rack.id` only. Plain names render identically.
 */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
