/**
 * Which `start` parameters an operator may set (reference §3.7, docs/compatibility.md "Plan parameters"). A parameter
 * becomes an environment variable of every task of the plan's steps, so a name that makes the dynamic loader, the
 * shell or a language runtime load code of the caller's choosing would turn an operator request into code execution
 * as the task's user. The original accepts any environment variable name; Marshal accepts every name except these.
 */
export const LOADER_VARIABLES: readonly string[] = [
  // The shell: startup files, the command search path, parsing.
  'BASH_ENV',
  'ENV',
  'PATH',
  'CDPATH',
  'IFS',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  // glibc: character-set modules, tunables, locale and resolver files.
  'GCONV_PATH',
  'GLIBC_TUNABLES',
  'LOCPATH',
  'NLSPATH',
  'HOSTALIASES',
  // Language runtimes: options and module search paths.
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONSTARTUP',
  'PYTHONUSERBASE',
  'PERL5LIB',
  'PERLLIB',
  'PERL5OPT',
  'RUBYOPT',
  'RUBYLIB',
  'LUA_PATH',
  'LUA_CPATH',
];

/** Every variable starting with these: the dynamic loaders of Linux (`LD_PRELOAD`, `LD_LIBRARY_PATH`, …) and macOS. */
export const LOADER_PREFIXES: readonly string[] = ['LD_', 'DYLD_'];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * What is wrong with a parameter name, as the text after `Couldn't parse parameters: `, or undefined when it may be
 * set. Loader variables are matched without regard to case, so no spelling of them gets through.
 */
export function parameterNameProblem(name: string): string | undefined {
  if (!ENV_NAME.test(name)) return `${name} is not a valid environment variable name`;
  const upper = name.toUpperCase();
  if (LOADER_VARIABLES.includes(upper) || LOADER_PREFIXES.some((p) => upper.startsWith(p))) {
    return `${name} may not be set by a plan parameter: it changes which code the task's shell, loader or runtime runs`;
  }
  return undefined;
}
