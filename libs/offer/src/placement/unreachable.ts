/** For the `default` of a switch over a closed union: a case left out is a compile error, a bad value a clear throw. */
export function unreachable(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
