export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as { __marshalPg?: { stop(): Promise<void> } }).__marshalPg;
  if (pg) await pg.stop();
}
