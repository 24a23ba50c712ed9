// The SurveyJS side of the peer benchmark (benches/peer/main.rs starts it; see run.sh).
//
// Usage: node survey.mjs FORM.json SCRIPT.json LOADS SETS WARMUP
//   FORM.json   a SurveyJS form written by the triage generator
//   SCRIPT.json {"answers": {id: value}, "flip": {"id", "from", "to"}}
//   LOADS       timed loads (text to a model ready for its first answer)
//   SETS        timed re-evaluations (one answer set, visibility brought up to date)
//   WARMUP      untimed rounds of each before timing (lets the JIT settle)
// Prints one JSON object on stdout: survey-core's version, node's version, the samples in
// milliseconds and the names of the visible questions before and after the flip. Nothing else
// is printed on stdout; errors go to stderr with a non-zero exit.

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Model } from "survey-core";

const [formPath, scriptPath, loadsArg, setsArg, warmArg] = process.argv.slice(2);
const loads = Number(loadsArg);
const sets = Number(setsArg);
const warmup = Number(warmArg);
if (!formPath || !scriptPath || !(loads > 0) || !(sets > 0) || !(warmup >= 0)) {
  process.stderr.write("usage: node survey.mjs FORM.json SCRIPT.json LOADS SETS WARMUP\n");
  process.exit(2);
}

const text = readFileSync(formPath, "utf8");
const script = JSON.parse(readFileSync(scriptPath, "utf8"));
// survey-core's package.json is not among its exports: read it from node_modules directly.
const version = JSON.parse(
  readFileSync(new URL("./node_modules/survey-core/package.json", import.meta.url), "utf8"),
).version;

// Load: the form's text to a model whose conditions have run, as triage's load (parse, check,
// first evaluation) is measured.
function load() {
  return new Model(JSON.parse(text));
}

const loadMs = [];
let model;
for (let i = 0; i < warmup + loads; i++) {
  const t0 = performance.now();
  model = load();
  const dt = performance.now() - t0;
  if (i >= warmup) loadMs.push(dt);
}

// The scripted answers, all at once (untimed): the same final state as answering one by one.
model.data = script.answers;
const questions = model.getAllQuestions();
const visible = () => questions.filter((q) => q.isVisible).map((q) => q.name);
const visibleBefore = visible();
const { id, from, to } = script.flip;
model.setValue(id, to);
const visibleAfter = visible();
model.setValue(id, from);

// Re-evaluation: set the flipped answer back and forth; setValue runs every condition before it
// returns. Reading one question's visibility afterwards keeps the work observable.
const probe = questions[questions.length - 1];
const setMs = [];
let seen = 0;
for (let i = 0; i < warmup + sets; i++) {
  const value = i % 2 === 0 ? to : from;
  const t0 = performance.now();
  model.setValue(id, value);
  if (probe.isVisible) seen++;
  const dt = performance.now() - t0;
  if (i >= warmup) setMs.push(dt);
}

process.stdout.write(
  JSON.stringify({
    engine: `survey-core ${version}`,
    runtime: `node ${process.version}`,
    load_ms: loadMs,
    set_ms: setMs,
    visible_before: visibleBefore,
    visible_after: visibleAfter,
    probe_seen: seen,
  }) + "\n",
);
