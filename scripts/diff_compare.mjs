#!/usr/bin/env node
// The bpmn-js-differ side of scripts/diff_compare.py (issue 17: measure bpmn-js-differ against
// engine/runtime/diagram_diff.py on our own process versions).
//
// bpmn-js-differ and bpmn-moddle are NOT project dependencies. Install them in a scratch directory outside
// the repository and point this script at its node_modules:
//
//   mkdir -p /tmp/differ && cd /tmp/differ && npm init -y && npm install bpmn-js-differ bpmn-moddle camunda-bpmn-moddle
//   DIFFER_NODE_MODULES=/tmp/differ/node_modules node scripts/diff_compare.mjs < pairs.json
//   node scripts/diff_compare.mjs --modules /tmp/differ/node_modules --repeat 7 < pairs.json
//
// Input (stdin, JSON): {"pairs": [{"id": "...", "old_path": "a.bpmn", "new_path": "b.bpmn"}, ...]}
// Output (stdout, JSON): {"versions": {...}, "results": [{"id", "variant", "added", "removed", "changed",
//   "layout", "aliases", "warnings", "ms_total", "ms_diff"}]}
// Variants: "plain" (bpmn-moddle alone: spiffworkflow/camunda extensions stay generic, as in our editor, which
// registers no descriptor for them) and "camunda" (with camunda-bpmn-moddle, when it is installed).
// ms_total = median over --repeat runs of parsing both files + diff; ms_diff = the diff alone.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const modules = option('--modules', process.env.DIFFER_NODE_MODULES);
if (!modules) {
  console.error('Give the scratch node_modules: --modules DIR or DIFFER_NODE_MODULES=DIR');
  process.exit(2);
}
const repeat = parseInt(option('--repeat', '7'), 10);
const require = createRequire(path.join(path.resolve(modules), '_anchor.cjs'));

// Import (not require) the scratch packages by resolved path: bpmn-moddle is ESM-only.
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const { diff } = await load('bpmn-js-differ');
const moddleModule = await load('bpmn-moddle');
const BpmnModdle = moddleModule.BpmnModdle || moddleModule.default;
let camunda = null;
try {
  camunda = require('camunda-bpmn-moddle/resources/camunda.json');
} catch {
  camunda = null;
}

function version(name) {
  try {
    const p = require(`${name}/package.json`);
    return { version: p.version, license: p.license };
  } catch {
    return null;
  }
}

const variants = { plain: () => new BpmnModdle() };
if (camunda) {
  variants.camunda = () => new BpmnModdle({ camunda });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// A value as a person could read it in a change list: strings as they are, moddle elements as type#id or
// their text / generic attributes, arrays joined.
function shown(value, depth = 0) {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map((v) => shown(v, depth + 1)).join(' | ');
  if (value.$type) {
    if (value.id) return `${value.$type}#${value.id}`;
    if (typeof value.text === 'string') return `${value.$type}: ${value.text}`;
    if (typeof value.body === 'string') return `${value.$type}: ${value.body}`;
    if (depth > 3) return value.$type;
    const attrs = Object.keys(value).filter((k) => !k.startsWith('$') || k === '$children')
      .map((k) => `${k}=${shown(value[k], depth + 1)}`);
    return `${value.$type}(${attrs.join(', ')})`;
  }
  return JSON.stringify(value);
}

function clip(text, n = 160) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

async function parse(moddle, xml) {
  const { rootElement, warnings } = await moddle.fromXML(xml);
  return { rootElement, warnings };
}

// bpmn-js-differ reports a process through its participant (collaboration diagrams): map participant → process.
function aliases(definitions) {
  const found = {};
  for (const root of definitions.rootElements || []) {
    if (root.$type === 'bpmn:Collaboration') {
      for (const p of root.participants || []) {
        if (p.processRef && p.processRef.id) found[p.id] = p.processRef.id;
      }
    }
  }
  return found;
}

function describe(result) {
  const element = (e) => ({ id: e.id, type: (e.$type || '').replace(/^bpmn:/, ''), name: e.name || '' });
  return {
    added: Object.values(result._added).map(element),
    removed: Object.values(result._removed).map(element),
    changed: Object.entries(result._changed).map(([id, c]) => ({
      id,
      type: (c.model.$type || '').replace(/^bpmn:/, ''),
      name: c.model.name || '',
      attrs: Object.fromEntries(Object.entries(c.attrs).map(([k, v]) => [k, {
        old: clip(shown(v.oldValue)), new: clip(shown(v.newValue)) }])),
    })),
    layout: Object.values(result._layoutChanged).filter(Boolean).map(element),
  };
}

async function run(pair, name, make) {
  const oldXml = readFileSync(pair.old_path, 'utf8');
  const newXml = readFileSync(pair.new_path, 'utf8');
  const moddle = make();
  const a = await parse(moddle, oldXml);
  const b = await parse(moddle, newXml);
  const out = { id: pair.id, variant: name, ...describe(diff(a.rootElement, b.rootElement)),
    aliases: { ...aliases(a.rootElement), ...aliases(b.rootElement) },
    warnings: a.warnings.length + b.warnings.length,
    warning_samples: [...a.warnings, ...b.warnings].slice(0, 3).map((w) => clip(w.message, 200)) };
  const total = [];
  const only = [];
  for (let i = 0; i < repeat; i += 1) {
    const t0 = process.hrtime.bigint();
    const x = await parse(make(), oldXml);
    const y = await parse(make(), newXml);
    const t1 = process.hrtime.bigint();
    diff(x.rootElement, y.rootElement);
    const t2 = process.hrtime.bigint();
    total.push(Number(t2 - t0) / 1e6);
    only.push(Number(t2 - t1) / 1e6);
  }
  out.ms_total = median(total);
  out.ms_diff = median(only);
  return out;
}

const input = JSON.parse(readFileSync(0, 'utf8'));
// Warm up the JIT once so the first pair is not charged for it.
if (input.pairs.length) {
  for (const make of Object.values(variants)) await run(input.pairs[0], 'warmup', make);
}
const results = [];
for (const pair of input.pairs) {
  for (const [name, make] of Object.entries(variants)) {
    results.push(await run(pair, name, make));
  }
}
const versions = Object.fromEntries(['bpmn-js-differ', 'bpmn-moddle', 'camunda-bpmn-moddle', 'diffpatch', 'moddle',
  'moddle-xml', 'min-dash', 'saxen'].map((n) => [n, version(n)]));
process.stdout.write(JSON.stringify({ node: process.version, repeat, versions, results }, null, 1));
