// The AWS SDK v3 clients move together: one release for every @aws-sdk/* package, so that they share one
// @aws-sdk/core and one set of @smithy/* packages (mixed releases pull in mixed middleware and types).
import { describe, expect, it } from 'vitest';
import packageLock from '../../../package-lock.json' with { type: 'json' };
import packageJson from '../../../package.json' with { type: 'json' };

/** Clients with no release at the pinned version: AWS publishes a client only when it changes. */
const NO_NEWER_RELEASE: Readonly<Record<string, string>> = { '@aws-sdk/client-kinesis': '3.1143.0' };

const declared: Record<string, string> = { ...packageJson.dependencies, ...packageJson.devDependencies };
const scoped = (scope: string): [string, string][] =>
  Object.entries(declared).filter(([name]) => name.startsWith(`${scope}/`));

/** Every version of a package the lock file installs, wherever in the tree. */
function installedVersions(name: string): Set<string> {
  const versions = new Set<string>();
  for (const [path, entry] of Object.entries(packageLock.packages as Record<string, { version?: string }>))
    if (path.endsWith(`node_modules/${name}`) && entry.version) versions.add(entry.version);
  return versions;
}

describe('AWS SDK versions', () => {
  it('pins every @aws-sdk/* package to one release', () => {
    const clients = scoped('@aws-sdk');
    expect(clients.length).toBeGreaterThan(5);
    const release = declared['@aws-sdk/client-s3'];
    for (const [name, version] of clients) expect(version, name).toBe(NO_NEWER_RELEASE[name] ?? release);
  });

  it('installs one version of each @aws-sdk/* and @smithy/* package, the one the @smithy pins name', () => {
    const packages = new Set<string>();
    for (const path of Object.keys(packageLock.packages)) {
      const name = /node_modules\/(@(?:aws-sdk|smithy)\/[^/]+)$/.exec(path)?.[1];
      if (name) packages.add(name);
    }
    expect(packages.size).toBeGreaterThan(20);
    for (const name of packages) expect([...installedVersions(name)], name).toHaveLength(1);
    for (const [name, version] of scoped('@smithy')) expect([...installedVersions(name)], name).toEqual([version]);
  });
});
