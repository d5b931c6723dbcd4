import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHaloConnector } from '../../src/psa/halo/index.js';
import { captureLogger, haloConfig, HALO_BASE, HALO_SECRET } from '../psa/helpers.js';
import { recordingForChildProcess } from './recording/child.js';
import { recordedSince, recordingMark, senderOf } from './recording/recorder.js';
import { readRecordings } from './suite-check.js';
import { checkSuite } from './suite-check.js';
import type { RecordedRequest } from './recording/types.js';

/**
 * The recorder sees what the connector sends, whoever answers (nock or a real server), keeps no values of bodies, and
 * ignores requests a test sends itself; the suite check fails undescribed requests unless a test is excluded by name.
 */

const PASS = 'Tap-Secret-7Hk2-pass';

let server: Server;
let serverUrl: string;
const seenByServer: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenByServer.push(`${req.method} ${req.url?.split('?')[0]}`);
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/auth/token')) res.end(JSON.stringify({ access_token: 'tok', token_type: 'Bearer', expires_in: 3600 }));
    else if (req.url?.startsWith('/api/Actions')) res.end('[]');
    else res.end(JSON.stringify({ id: 5, summary: 'x', client_id: 1, status_id: 1, tickettype_id: 1 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => nock.cleanAll());

function halo(baseUrl: string) {
  return createHaloConnector({ config: haloConfig({ baseUrl, authUrl: `${baseUrl}/auth` }), logger: captureLogger().logger, sleep: async () => {} });
}

describe('the request recorder', () => {
  it('records the connector requests nock answers, with method, URL and the body as field types only', async () => {
    nock(HALO_BASE).post('/auth/token').reply(200, { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 });
    nock(HALO_BASE).post('/api/Actions').reply(201, []);
    const mark = recordingMark();

    await halo(HALO_BASE).writePrivateNote('5', { text: PASS, html: `<p>${PASS}</p>` });

    const seen = recordedSince(mark);
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${HALO_BASE}/auth/token`, `POST ${HALO_BASE}/api/Actions`]);
    expect(seen[0]!.body).toEqual({ kind: 'form', fields: ['grant_type', 'client_id', 'client_secret', 'scope'] });
    expect(seen[1]!.body).toMatchObject({ kind: 'json', shape: { array: [{ object: { ticket_id: 'integer', note_html: 'string' } }] } });
    expect(seen[1]!.origin?.caller).toMatch(/^src\//);
    // Neither the pass in the note nor the client secret is kept; the Authorization value is not either.
    const text = JSON.stringify(seen);
    expect(text).not.toContain(PASS);
    expect(text).not.toContain(HALO_SECRET);
    expect(seen[1]!.headers.authorization).toBe('(sent)');
  });

  it('records the connector requests a real server on loopback answers, and only those', async () => {
    const mark = recordingMark();
    seenByServer.length = 0;
    nock.enableNetConnect('127.0.0.1');

    await halo(serverUrl).getTicket('5');
    // A request the test sends itself is not the connector's.
    await fetch(`${serverUrl}/api/Tickets/6`);

    expect(seenByServer).toEqual(['POST /auth/token', 'GET /api/Tickets/5', 'GET /api/Tickets/6']);
    expect(recordedSince(mark).map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['POST /auth/token', 'GET /api/Tickets/5']);
  });

  it('records the requests of a connector process started with the arguments child.ts gives (the e2e harness)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-child-'));
    const saved = process.env.CONTRACT_RECORD_DIR;
    try {
      process.env.CONTRACT_RECORD_DIR = dir;
      const recording = recordingForChildProcess();
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const script = new URL('./fixtures/connector-process-sends.ts', import.meta.url).pathname;
      const child = spawn(process.execPath, ['--import', tsx, ...recording.args, script, serverUrl], {
        env: { PATH: process.env.PATH ?? '', ...recording.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, stderr).toBe(0);
      const recorded = readRecordings(dir);
      expect(recorded.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['POST /auth/token', 'GET /api/Tickets/5']);
      expect(recorded[1]!.origin).toMatchObject({ test: '(connector process)', caller: expect.stringMatching(/^src\//) });
    } finally {
      if (saved === undefined) delete process.env.CONTRACT_RECORD_DIR;
      else process.env.CONTRACT_RECORD_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells the connector from a test by the first frame of this repository in the stack', () => {
    const frames = (...files: string[]) => ['Error', ...files.map((f) => `    at fn (${f}:1:1)`)].join('\n');
    const repo = new URL('../../', import.meta.url).pathname;
    expect(senderOf(frames('node:internal/x', `${repo}node_modules/x/y.js`, `${repo}src/psa/http.ts`, `${repo}test/a.test.ts`)).kind).toBe('connector');
    expect(senderOf(frames(`${repo}test/sandbox/clients.ts`, `${repo}src/psa/http.ts`)).kind).toBe('test');
    expect(senderOf(frames(`${repo}src/sandbox/http.ts`)).kind).toBe('test');
    expect(senderOf(frames(`${repo}node_modules/@mswjs/interceptors/lib/fetch.js`, `${repo}src/entra/graph-client.ts`))).toMatchObject({
      kind: 'connector',
      viaInterceptor: true,
    });
  });
});

/** Every .ts/.tsx file under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(`${dir}/${e.name}`) : /\.tsx?$/.test(e.name) ? [`${dir}/${e.name}`] : [],
  );
}

/** Named imports that only configure or serve (a dispatcher, a server); anything else from an HTTP library can send. */
const CONFIGURE_ONLY = new Set(['Agent', 'ProxyAgent', 'EnvHttpProxyAgent', 'Dispatcher', 'createServer', 'Server', 'IncomingMessage', 'ServerResponse']);

/** Imports in `text` of something that sends HTTP past the global fetch (undici's own fetch/request, node:http…). */
function sendingImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/import\s+(type\s+)?([^;]*?)\s+from\s+'(undici|node:https?|https?|axios|got|node-fetch|ky)'/g)) {
    if (m[1]) continue;
    const braces = /\{([^}]*)\}/.exec(m[2]!)?.[1];
    const names = braces === undefined ? [m[2]!.trim()] : braces.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '));
    for (const name of names.filter((n) => !CONFIGURE_ONLY.has(n))) found.push(`${name} from '${m[3]}'`);
  }
  return found;
}

describe('what the recorder can see', () => {
  it('tells a sending import from one that only configures', () => {
    expect(sendingImports("import { Agent } from 'undici';\nimport type { Dispatcher } from 'undici';")).toEqual([]);
    expect(sendingImports("import { Agent, fetch } from 'undici';")).toEqual(["fetch from 'undici'"]);
    expect(sendingImports("import { request } from 'node:https';")).toEqual(["request from 'node:https'"]);
    expect(sendingImports("import axios from 'axios';")).toEqual(["axios from 'axios'"]);
  });

  it('no connector module sends HTTP any other way than the global fetch (which the recorder wraps)', () => {
    const src = new URL('../../src', import.meta.url).pathname;
    const offenders = sourceFiles(src)
      .filter((file) => !file.startsWith(`${src}/sandbox/`))
      .flatMap((file) => sendingImports(readFileSync(file, 'utf8')).map((what) => `${file.slice(src.length + 1)}: ${what}`));
    expect(offenders).toEqual([]);
  });
});

describe('the whole-suite check', () => {
  const undescribed: RecordedRequest = {
    method: 'GET',
    url: 'https://x.example/v4_6_release/apis/3.0/system/myAccount',
    headers: { clientid: '(sent)' },
    origin: { file: 'test/some.test.ts', test: 'probes a refusal' },
  };
  const described: RecordedRequest = { ...undescribed, url: 'https://x.example/v4_6_release/apis/3.0/system/myMembers/info' };

  it('fails an undescribed request and names the test that sent it', () => {
    const result = checkSuite([described, undescribed], []);
    expect(result.checked).toBe(2);
    expect(result.failures).toEqual([
      { problem: 'connectwise does not describe GET /system/myAccount', request: 'GET /v4_6_release/apis/3.0/system/myAccount', seenIn: ['test/some.test.ts › probes a refusal'] },
    ]);
  });

  it('leaves out a test excluded by name, and only that test', () => {
    const exclusions = [{ file: 'test/some.test.ts', test: /probes a refusal/, reason: 'deliberate' }];
    expect(checkSuite([undescribed], exclusions)).toMatchObject({ checked: 0, excluded: 1, failures: [] });
    const other = { ...undescribed, origin: { file: 'test/some.test.ts', test: 'another test' } };
    expect(checkSuite([other], exclusions).failures).toHaveLength(1);
  });
});
