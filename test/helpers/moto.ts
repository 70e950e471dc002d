// Starts moto's server (from the `tools` venv) on 127.0.0.1 and a free port for one test file, and stops it.
// `script` runs a Python wrapper of moto's server instead (e.g. one that adds a check moto lacks).
// A missing venv is a failure, not a skip: `bash scripts/bootstrap.sh --python` builds it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { venvPython } from './python.ts';

export interface Moto {
  readonly endpoint: string;
  /** Fresh options for one AWS SDK v3 client: endpoint override, a region, dummy credentials, HTTP/1.1. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    requestHandler: NodeHttpHandler;
  };
  stop(): Promise<void>;
}

const MOTO_SERVER = resolve(import.meta.dirname, '../../.venvs/tools/bin/moto_server');

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export async function startMoto(options: { script?: string } = {}): Promise<Moto> {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(`${MOTO_SERVER} is missing: run \`bash scripts/bootstrap.sh --python\` to build the tools venv`);
  }
  const port = await freePort();
  const address = ['-H', '127.0.0.1', '-p', String(port)];
  const [command, args] = options.script ? [venvPython('tools'), [options.script, ...address]] : [MOTO_SERVER, address];
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await sleep(100);
  }
  return {
    endpoint,
    // A getter: each client gets its own handler, since destroying a client destroys its handler. The handler is
    // the HTTP/1.1 one because moto does not speak HTTP/2, which the Kinesis client would use by default.
    get clientConfig() {
      return {
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        requestHandler: new NodeHttpHandler(),
      };
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
