'use strict';
// chaos-shim from Node: a control segment driven through chaos-shim-ctl
// (run as a subprocess: Node has no way to call a C library without an
// addon), rules added for one block, counters, and the environment under
// which programs attach to the segment.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

class ChaosShimError extends Error {
  // The message is the line chaos-shim-ctl printed, without its prefix;
  // status is its exit status (1 failed operation, 2 bad usage).
  constructor(message, status) {
    super(message);
    this.name = 'ChaosShimError';
    this.status = status;
  }
}

// $CHAOS_SHIM_CTL, else chaos-shim-ctl from PATH.
function ctlPath() {
  return process.env.CHAOS_SHIM_CTL || 'chaos-shim-ctl';
}

function resolveOnPath(program) {
  if (program.includes('/')) return path.resolve(program);
  for (const dir of (process.env.PATH || '').split(':')) {
    const candidate = path.join(dir || '.', program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.realpathSync(candidate);
    } catch {}
  }
  throw new ChaosShimError(`cannot find ${program}: set CHAOS_SHIM_CTL`, 1);
}

// Where `chaos-shim-ctl run` looks: $CHAOS_SHIM_LIB, else ../lib/ or the
// folder of chaos-shim-ctl itself.
function preloadLibrary() {
  if (process.env.CHAOS_SHIM_LIB) return process.env.CHAOS_SHIM_LIB;
  const dir = path.dirname(resolveOnPath(ctlPath()));
  for (const candidate of [path.join(dir, '..', 'lib', 'libchaos-shim.so'),
                           path.join(dir, 'libchaos-shim.so')]) {
    if (fs.existsSync(candidate)) return path.resolve(candidate);
  }
  throw new ChaosShimError(`cannot find libchaos-shim.so beside ${dir}: set CHAOS_SHIM_LIB`, 1);
}

function ctl(args) {
  try {
    return execFileSync(ctlPath(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (err.code === 'ENOENT') throw new ChaosShimError(`cannot run ${ctlPath()}: set CHAOS_SHIM_CTL`, 1);
    const line = String(err.stderr || '').trim().split('\n').pop() || String(err.message);
    throw new ChaosShimError(line.replace(/^chaos-shim-ctl: /, ''), err.status);
  }
}

// A value in profile syntax.
function profileValue(value) {
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(profileValue).join(', ')}]`;
  throw new TypeError(`cannot write ${value} in a profile`);
}

// One rule in profile syntax from an object: { name: "x", calls: ["recv"], ... }.
function ruleText(rule) {
  return `{ ${Object.entries(rule).map(([k, v]) => `${k} = ${profileValue(v)};`).join(' ')} }`;
}

let unnamed = 0;

class Segment {
  // new Segment() makes a fresh segment with a unique name; new
  // Segment({ name }) opens that one, created when missing.
  constructor({ name, create = true } = {}) {
    const fresh = !name;
    this.name = name || `node-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    let exists = true;
    try {
      ctl(['-s', this.name, 'stats']);
    } catch (err) {
      if (!/does not exist/.test(err.message)) throw err;
      exists = false;
    }
    if (fresh && exists) throw new ChaosShimError(`segment '${this.name}' already exists`, 1);
    if (!exists) {
      if (!create) throw new ChaosShimError(`segment '${this.name}' does not exist`, 1);
      this.load();
    }
  }

  // Replaces the table with a profile file, or an empty one; zeroes counters.
  load(profile, { seed } = {}) {
    if (!profile) return void this.loadText('', { seed });
    const env = seed === undefined ? undefined : String(seed);
    if (env === undefined) return void ctl(['-s', this.name, 'load', profile]);
    const saved = process.env.CHAOS_SHIM_SEED;
    process.env.CHAOS_SHIM_SEED = env;
    try {
      ctl(['-s', this.name, 'load', profile]);
    } finally {
      if (saved === undefined) delete process.env.CHAOS_SHIM_SEED;
      else process.env.CHAOS_SHIM_SEED = saved;
    }
  }

  // The same from profile text.
  loadText(text, options) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-shim-'));
    const file = path.join(dir, 'profile.cfg');
    try {
      fs.writeFileSync(file, text);
      this.load(file, options);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  // One rule: text in profile syntax, or an object. Returns its name.
  add(rule) {
    const text = typeof rule === 'string' ? rule : ruleText(rule);
    ctl(['-s', this.name, 'add', text]);
    return typeof rule === 'string' ? /\bname\s*[=:]\s*"((?:[^"\\]|\\.)*)"/.exec(rule)[1] : rule.name;
  }

  remove(...rules) { ctl(['-s', this.name, 'remove', ...rules]); }
  // No names: every rule.
  enable(...rules) { ctl(['-s', this.name, 'enable', ...(rules.length ? rules : ['--all'])]); }
  disable(...rules) { ctl(['-s', this.name, 'disable', ...(rules.length ? rules : ['--all'])]); }
  // set('slow-db', { delay_ms: 500, peer: '127.0.0.1:80', calls: ['connect'] })
  set(rule, params) {
    const pairs = Object.entries(params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`);
    ctl(['-s', this.name, 'set', rule, ...pairs]);
  }
  pause() { ctl(['-s', this.name, 'pause']); }
  resume() { ctl(['-s', this.name, 'resume']); }
  destroy() { ctl(['-s', this.name, 'destroy']); }

  // { matched, injected, enabled } of one rule, or an object of them by name.
  stats(rule) {
    const every = {};
    for (const r of JSON.parse(ctl(['-s', this.name, 'stats', '--json'])).rules) {
      every[r.name] = { matched: r.matched, injected: r.injected, enabled: r.enabled };
    }
    if (rule === undefined) return every;
    if (!(rule in every)) throw new ChaosShimError(`no rule '${rule}' in segment '${this.name}'`, 1);
    return every[rule];
  }

  // What `chaos-shim-ctl status --json` shows.
  status() { return JSON.parse(ctl(['-s', this.name, 'status', '--json'])); }

  // A copy of base under which programs attach to this segment.
  env(base = process.env) {
    const env = { ...base };
    const library = preloadLibrary();
    const preload = (env.LD_PRELOAD || '').split(/[ :]/).filter(Boolean);
    if (!preload.includes(library)) env.LD_PRELOAD = [library, ...preload].join(' ');
    env.CHAOS_SHIM_SEGMENT = this.name;
    delete env.CHAOS_SHIM_SEGMENT_ID;
    delete env.CHAOS_SHIM_PROFILE;
    return env;
  }

  // Adds the rule, runs fn(name) (awaited), and removes the rule
  // afterwards, also when fn throws. A rule object without a name gets one.
  async fault(rule, fn) {
    if (typeof rule !== 'string' && !rule.name) {
      rule = { name: `fault-${process.pid}-${++unnamed}`, ...rule };
    }
    const name = this.add(rule);
    try {
      return await fn(name);
    } finally {
      this.remove(name);
    }
  }
}

module.exports = { ChaosShimError, Segment, preloadLibrary, ruleText };
