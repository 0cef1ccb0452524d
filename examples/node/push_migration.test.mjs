// A push live migration against the atlas-emulator, from Node alone: node:test, fetch and a digest helper of a few
// lines (node:crypto); no npm package.
//
// It starts the atlas-emulator binary (the ATLAS_EMULATOR environment variable names it; otherwise it is built with
// `go build` into a temporary directory), seeds it through its control plane, injects a fault, advances its clock and
// runs the whole migration: the link-token from the Atlas Administration API, the seeded Cloud Manager organization
// connected with it through Cloud Manager's API (the emulator plays both sides), then listAvailableProjects,
// validate, migrate and cutover on Atlas:
//
//     node --test push_migration.test.mjs        # from examples/node
//
// `make test` runs it (examples/suites_test.go). It prints no secret: keys, secrets and link-tokens stay in variables.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const ORG = '6b0b1c2d3e4f5a6b7c8d9e01';
const GROUP = '6b0b1c2d3e4f5a6b7c8d9e02';
const SOURCE_ORG = '7c0b1c2d3e4f5a6b7c8d9e03';
const SOURCE_PROJECT = '7c0b1c2d3e4f5a6b7c8d9e04';
const SOURCE_PUBLIC_KEY = 'acmesrc1';
const SOURCE_PRIVATE_KEY = '22222222-3333-4444-8555-666666666666';
const PUBLIC_KEY = 'acmepub1';
const PRIVATE_KEY = '11111111-2222-4333-8444-555555555555';
const CLIENT_SECRET = 'mdb_sa_sk_acme-secret';

const SEED = {
  orgs: [{
    id: ORG, name: 'Acme Atlas',
    apiKeys: [{ publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY, roles: ['ORG_OWNER'] }],
    serviceAccounts: [{ clientId: 'mdb_sa_id_acme', clientSecret: CLIENT_SECRET, roles: ['ORG_OWNER'] }],
    projects: [{ id: GROUP, name: 'dest', clusters: ['Dest0'] }],
  }],
  sourceOrgs: [{
    id: SOURCE_ORG, name: 'Acme Cloud Manager',
    apiKeys: [{ publicKey: SOURCE_PUBLIC_KEY, privateKey: SOURCE_PRIVATE_KEY, roles: ['ORG_OWNER'] }],
    projects: [{ id: SOURCE_PROJECT, name: 'src', deployments: [{ name: 'rs0', mongoDBVersion: '7.0.14' }],
      migrationHosts: ['mh1.example.net'] }],
  }],
};

const MIGRATION = {
  source: { groupId: SOURCE_PROJECT, clusterName: 'rs0', managedAuthentication: true, ssl: false },
  destination: { groupId: GROUP, clusterName: 'Dest0', hostnameSchemaType: 'PUBLIC' },
  migrationHosts: ['mh1.example.net'],
  dropDestinationData: false,
};

let emulator, base, buildDir;

before(async () => {
  let exe = process.env.ATLAS_EMULATOR;
  if (!exe) {
    buildDir = mkdtempSync(join(tmpdir(), 'atlas-emulator-'));
    exe = join(buildDir, 'atlas-emulator');
    execFileSync('go', ['build', '-o', exe, './cmd/atlas-emulator'], { cwd: repo, stdio: 'inherit' });
  }
  emulator = spawn(exe, ['--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: emulator.stdout });
  const first = await Promise.race([
    new Promise((resolve) => lines.once('line', resolve)),
    new Promise((resolve) => emulator.once('exit', () => resolve(''))),
    sleep(60_000, '', { ref: false }), // never wait forever for the first line
  ]);
  assert.match(first, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
  base = first.split(' ').at(-1);
});

after(() => {
  emulator?.kill();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

// control calls the control plane: no credentials, from loopback.
async function control(method, path, body) {
  const res = await fetch(`${base}/_emulator/${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const md5 = (s) => createHash('md5').update(s).digest('hex');

// digestFetch answers the emulator's digest challenge (RFC 7616, MD5, qop=auth): the first request goes without
// credentials, the second with the answer to the challenge of the first's 401.
async function digestFetch(url, options, user, password) {
  const first = await fetch(url, options);
  if (first.status !== 401) return first;
  await first.arrayBuffer();
  const challenge = first.headers.get('www-authenticate');
  const [, realm] = /realm="([^"]*)"/.exec(challenge);
  const [, nonce] = /nonce="([^"]*)"/.exec(challenge);
  const { pathname, search } = new URL(url);
  const uri = pathname + search, nc = '00000001', cnonce = randomBytes(8).toString('hex');
  const response = md5([md5(`${user}:${realm}:${password}`), nonce, nc, cnonce, 'auth', md5(`${options.method}:${uri}`)].join(':'));
  const authorization = `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", ` +
    `algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
  return fetch(url, { ...options, headers: { ...options.headers, Authorization: authorization } });
}

// atlas calls the Atlas Administration API as acmepub1, honouring Retry-After on 503 and 429.
async function atlas(method, path, body, version = '2023-01-01') {
  const media = `application/vnd.atlas.${version}+json`;
  const options = { method, headers: { Accept: media }, body: body === undefined ? undefined : JSON.stringify(body) };
  if (body !== undefined) options.headers['Content-Type'] = media;
  for (let attempts = 1; ; attempts++) {
    const res = await digestFetch(`${base}/api/atlas/v2${path}`, options, PUBLIC_KEY, PRIVATE_KEY);
    const text = await res.text();
    const retryAfter = res.headers.get('retry-after');
    if ((res.status === 503 || res.status === 429) && retryAfter !== null && attempts < 5) {
      await sleep(Number(retryAfter) * 1000);
      continue;
    }
    return { status: res.status, body: text ? JSON.parse(text) : null, attempts };
  }
}

// source calls Cloud Manager's public API v1.0 as the seeded source org's key acmesrc1.
async function source(method, path, body) {
  const options = {
    method, headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  const res = await digestFetch(`${base}/api/public/v1.0${path}`, options, SOURCE_PUBLIC_KEY, SOURCE_PRIVATE_KEY);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const sourceStatus = `/orgs/${SOURCE_ORG}/liveExport/migrationLink/status`;

// link links both sides: a link-token from the Atlas org, the seeded source org connected with it.
async function link() {
  const created = await atlas('POST', `/orgs/${ORG}/liveMigrations/linkTokens`, { accessListIps: ['203.0.113.7'] });
  assert.equal(created.status, 201);
  const linkToken = created.body.linkToken;
  // base64 of JSON naming the Atlas org as the seed named it (and a fresh API key: never printed).
  assert.equal(JSON.parse(Buffer.from(linkToken, 'base64').toString()).orgName, 'Acme Atlas');
  const connected = await source('POST', `/orgs/${SOURCE_ORG}/liveExport/migrationLink`, { linkToken });
  assert.deepEqual([connected.status, connected.body.status], [201, 'SYNCED']);
  return { linkToken, attempts: created.attempts };
}

const advance = async (duration) => assert.equal((await control('POST', 'clock', { advance: duration })).status, 200);

beforeEach(async () => {
  assert.equal((await control('POST', 'reset')).status, 200);
  const seeded = await control('POST', 'seed', SEED);
  assert.equal(seeded.status, 200);
  assert.equal(seeded.body.apiKeys, 1);
});

test('health and version', async () => {
  const { status, headers, body } = await control('GET', 'health');
  assert.equal(status, 200);
  assert.equal(body.state, 'ready');
  assert.equal(body.baseUrl, base);
  assert.equal(headers.get('x-atlas-emulator-version'), body.version);
});

test('push live migration, with a 503 on the way', async () => {
  const fault = await control('POST', 'faults', { operationId: 'createLinkToken', status: 503, retryAfter: 1, times: 1 });
  assert.equal(fault.status, 201);
  const { linkToken, attempts } = await link();
  assert.equal(attempts, 2); // the first got the 503 and its Retry-After
  assert.ok(linkToken.length > 100);
  assert.equal((await control('GET', 'faults')).body.faults[0].fired, 1);

  const projects = await atlas('GET', `/orgs/${ORG}/liveMigrations/availableProjects`);
  assert.deepEqual(projects.body.map((p) => [p.projectId, p.name]), [[SOURCE_PROJECT, 'src']]);
  assert.equal((await source('GET', sourceStatus)).body.status, 'SYNCED');

  let validation = await atlas('POST', `/groups/${GROUP}/liveMigrations/validate`, MIGRATION, '2024-05-30');
  assert.equal(validation.body.status, 'PENDING');
  const validationId = validation.body._id;
  await advance('1m');
  validation = await atlas('GET', `/groups/${GROUP}/liveMigrations/validate/${validationId}`);
  assert.equal(validation.body.status, 'SUCCESS');

  let migration = await atlas('POST', `/groups/${GROUP}/liveMigrations`, MIGRATION, '2024-05-30');
  assert.equal(migration.status, 201);
  const migrationPath = `/groups/${GROUP}/liveMigrations/${migration.body._id}`;
  await advance('10m'); // no waiting: the emulator's clock moves
  migration = await atlas('GET', migrationPath);
  assert.equal(migration.body.readyForCutover, true);
  assert.equal((await atlas('PUT', `${migrationPath}/cutover`)).status, 202);
  await advance('1m');
  assert.equal((await atlas('GET', migrationPath)).body.status, 'COMPLETE');
  assert.equal((await atlas('DELETE', `/orgs/${ORG}/liveMigrations/linkTokens`)).status, 204);
  assert.equal((await source('GET', sourceStatus)).body.status, 'NOT_SYNCED');

  const journal = (await control('GET', 'requests')).body.requests;
  const answered = journal.filter((r) => r.auth !== 'missing');
  assert.deepEqual([answered[0].operationId, answered[0].status, answered[0].faultId], ['createLinkToken', 503, 'F1']);
  assert.deepEqual(journal.filter((r) => r.created).map((r) => r.created[0]), [validationId, migration.body._id]);
  assert.ok(answered.some((r) => r.operationId === 'connectOrganizations' && r.status === 201));
  const text = JSON.stringify(journal);
  for (const secret of [PRIVATE_KEY, CLIENT_SECRET, SOURCE_PRIVATE_KEY, linkToken]) {
    assert.ok(!text.includes(secret), 'the journal holds a secret'); // assert.doesNotMatch would print it
  }
});

test('a validation forced to FAILED shows its message', async () => {
  await link();
  const validation = await atlas('POST', `/groups/${GROUP}/liveMigrations/validate`, MIGRATION, '2024-05-30');
  const set = await control('POST', `jobs/${validation.body._id}`, { status: 'FAILED', errorMessage: 'Source cluster rs0 is unreachable.' });
  assert.equal(set.status, 200);
  const read = await atlas('GET', `/groups/${GROUP}/liveMigrations/validate/${validation.body._id}`);
  assert.deepEqual([read.body.status, read.body.errorMessage], ['FAILED', 'Source cluster rs0 is unreachable.']);
});

test('a ready migration expires 120 hours later', async () => {
  await link();
  const migration = await atlas('POST', `/groups/${GROUP}/liveMigrations`, MIGRATION, '2024-05-30');
  const path = `/groups/${GROUP}/liveMigrations/${migration.body._id}`;
  await advance('10m');
  assert.equal((await atlas('GET', path)).body.readyForCutover, true);
  await advance('120h');
  assert.equal((await atlas('GET', path)).body.status, 'EXPIRED');
});

test('reset forgets the seed', async () => {
  await link();
  assert.equal((await control('POST', 'reset')).status, 200);
  assert.equal((await atlas('POST', `/orgs/${ORG}/liveMigrations/linkTokens`, {})).status, 401);
  assert.equal((await source('GET', sourceStatus)).status, 401);
});

test('a bad seed is refused, naming the value', async () => {
  const bad = { orgs: [{ id: '6b0b1c2d3e4f5a6b7c8d9e0a', apiKeys: [{ publicKey: 'acmepub2', privateKey: 'nope', roles: ['ORG_OWNER'] }] }] };
  const { status, body } = await control('POST', 'seed', bad);
  assert.deepEqual([status, body.errorCode, body.path], [400, 'INVALID_SEED', 'orgs[0].apiKeys[0].privateKey']);
});
