import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { renderAuthorization, type NatsIdentity, type Subjects } from '@marshal/contracts';

/** A generated identity: its nkey seed (secret) and public key. */
export interface GeneratedIdentity extends NatsIdentity {
  publicKey: string;
  seed: string;
  /** Where its seed was written. */
  seedFile: string;
}

export interface GeneratedCredentials {
  dir: string;
  /** nats-server config fragment: `include`d by, or used as, the server config. */
  authFile: string;
  identities: GeneratedIdentity[];
  /** Seed file of an identity by name; throws naming the known ones. */
  seedFile(name: string): string;
}

/** A fresh nkey for an identity, its seed written to `<dir>/<name>.nk` (0600). */
export function createIdentity(dir: string, identity: NatsIdentity): GeneratedIdentity {
  if (!/^[A-Za-z0-9_~-]+$/.test(identity.name)) throw new Error(`identity name '${identity.name}' must be letters, digits, '_', '-' or '~'`);
  const kp = nkeys.createUser();
  const seed = new TextDecoder().decode(kp.getSeed());
  const seedFile = join(dir, `${identity.name}.nk`);
  writeFileSync(seedFile, seed + '\n', { mode: 0o600 });
  chmodSync(seedFile, 0o600);
  return { ...identity, publicKey: kp.getPublicKey(), seed, seedFile };
}

/** Writes the nats-server authorization config of these identities (0600): public keys and permissions only. */
export function writeAuthorization(file: string, identities: GeneratedIdentity[], namespaces: Subjects[]): void {
  writeFileSync(file, renderAuthorization(identities.map((g) => ({ identity: g, publicKey: g.publicKey })), namespaces), { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Creates (or tightens) a directory for secrets: 0700. */
export function secretDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Writes a fresh nkey per identity (`<dir>/<name>.nk`, 0600) and the nats-server authorization config
 * (`<dir>/auth.conf`, 0600) in a directory created 0700. The config holds only public keys.
 */
export function generateCredentials(dir: string, identities: NatsIdentity[], namespaces: Subjects[]): GeneratedCredentials {
  if (namespaces.length === 0) throw new Error('credentials need at least one namespace');
  const names = new Set<string>();
  for (const i of identities) {
    if (names.has(i.name)) throw new Error(`identity '${i.name}' is listed twice`);
    names.add(i.name);
  }
  secretDir(dir);
  const generated = identities.map((identity) => createIdentity(dir, identity));
  const authFile = join(dir, 'auth.conf');
  writeAuthorization(authFile, generated, namespaces);
  return {
    dir,
    authFile,
    identities: generated,
    seedFile(name) {
      const g = generated.find((x) => x.name === name);
      if (!g) throw new Error(`no NATS identity '${name}' (have ${generated.map((x) => x.name).join(', ')})`);
      return g.seedFile;
    },
  };
}
