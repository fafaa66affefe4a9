'use strict';
// A real node http server under the shim, started by the test, driven by
// http.get in the test process: what the client sees under a rule,
// against a server that really resets, and the rule's counters.
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const { ChaosShimError } = require('../index.js');
const { chaos } = require('../test-helpers.js');

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end('hello'));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

// Starts the server with the test's environment (the shim, once chaos(t)
// ran); resolves with its port.
function startServer(t) {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (data) => resolve(Number(String(data).trim())));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

// A server that reads the request and resets the connection: the real
// condition a reset rule imitates.
function startResettingServer(t) {
  const server = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
  t.after(() => server.close());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

// Resolves with the body, or with the error the client saw.
function get(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ body }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('error', (error) => resolve({ error }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

test('a reset for one block, as a real reset, then normal again', async (t) => {
  const segment = chaos(t);
  const port = await startServer(t);
  assert.deepStrictEqual(await get(port), { body: 'hello' });
  const real = await get(await startResettingServer(t));
  assert.strictEqual(real.error.code, 'ECONNRESET');
  await segment.fault({ calls: ['recv'], local: `*:${port}`, fault: 'reset' }, async (rule) => {
    const seen = await get(port);
    assert.strictEqual(seen.error && seen.error.code, real.error.code);
    assert.ok(segment.stats(rule).injected >= 1, JSON.stringify(segment.stats()));
  });
  assert.deepStrictEqual(segment.stats(), {});
  assert.deepStrictEqual(await get(port), { body: 'hello' });
});

test('the rule goes also when the block throws', async (t) => {
  const segment = chaos(t);
  await assert.rejects(segment.fault(
    '{ name = "boom"; calls = ["recv"]; fault = "reset"; local = "*:1"; }',
    async (rule) => {
      assert.strictEqual(rule, 'boom');
      assert.ok('boom' in segment.stats());
      throw new Error('the test body failed');
    }), /the test body failed/);
  assert.deepStrictEqual(segment.stats(), {});
});

test('errors carry the message chaos-shim-ctl prints', (t) => {
  const segment = chaos(t);
  segment.add({ name: 'db-down', calls: ['connect'], peer: '*:5432', fault: 'reset' });
  assert.throws(() => segment.add({ name: 'db-down', calls: ['connect'], fault: 'reset' }),
    (err) => err instanceof ChaosShimError && err.status === 1 &&
      err.message === `rule 'db-down' already exists in segment '${segment.name}'`);
  assert.throws(() => segment.add('{ name = "slow"; calls = ["connect"]; fault = "latency"; dealy_ms = 5; }'),
    { message: "unknown key 'dealy_ms' in rule 'slow' (add:1)" });
  segment.set('db-down', { probability: 0.5 });
  const rule = segment.status().rules[0];
  assert.strictEqual(rule.probability, 0.5);
});

test('the environment reaches the processes the test starts, and only while it runs', async (t) => {
  let name;
  await t.test('inside', (t2) => {
    name = chaos(t2).name;
    assert.strictEqual(process.env.CHAOS_SHIM_SEGMENT, name);
    assert.match(process.env.LD_PRELOAD, /libchaos-shim\.so/);
  });
  assert.notStrictEqual(process.env.CHAOS_SHIM_SEGMENT, name);
});
