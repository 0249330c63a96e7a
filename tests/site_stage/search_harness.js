// Runs site/static/search-core.js for tests/site_stage/test_search_*.py: one JSON request
// per line on stdin, one JSON answer per line on stdout.
//   {"op": "items", "texts": [...]}                    -> [[[kind, text, start, end], ...], ...]
//   {"op": "keys", "tokens": [[a] or [a, b], ...]}     -> [[k1, k2], ...]
//   {"op": "search", "index": dir, "queries": [...], "sort": ""} -> [[ordinal, ...], ...]
//   {"op": "excerpt", "text": t, "query": q}           -> {text, marks, before, after}
//   {"op": "articles", "index": dir, "query": q, "n": 10} -> [{got, want (excerpts), more, fetched}, ...]
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const NV = require(process.argv[2]);
const table = new NV.Table(JSON.parse(fs.readFileSync(process.argv[3], "utf8")));

// spans in code points, as Python counts them
function cpOffset(text, unit) { return Array.from(text.slice(0, unit)).length; }

function load(dir) {
  return (url, kind) => new Promise((resolve, reject) => {
    fs.readFile(path.join(dir, url), (err, data) => {
      if (err) { reject(err); return; }
      resolve(kind === "json" ? JSON.parse(data.toString("utf8")) : kind === "text" ? data.toString("utf8")
        : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    });
  });
}
const indexes = new Map();

async function answer(req) {
  if (req.op === "items") {
    return req.texts.map((t) => NV.items(table, t).map((i) => [i.kind, i.text, cpOffset(t, i.start), cpOffset(t, i.end)]));
  }
  if (req.op === "fold") { return req.texts.map((t) => table.foldText(t)); }
  if (req.op === "keys") { return req.tokens.map((t) => NV.key(t[0], t[1])); }
  if (req.op === "parse") { return req.queries.map((q) => NV.parseQuery(table, q).map((term) => term.map((t) => t.text))); }
  if (req.op === "search") {
    if (!indexes.has(req.index)) { indexes.set(req.index, new NV.Index("", load(req.index), table)); }
    const index = indexes.get(req.index);
    const out = [];
    for (const q of req.queries) {
      const hits = await index.search(NV.parseQuery(table, q), req.sort || "");
      out.push(hits.map((h) => h.ordinal));
    }
    return out;
  }
  if (req.op === "articles") {  // each hit's excerpt from Index.article, and from the whole text
    const index = new NV.Index("", load(req.index), table);
    const terms = NV.parseQuery(table, req.query);
    const out = [];
    for (const hit of (await index.search(terms, "")).slice(0, req.n)) {
      const got = await index.article(hit, terms);
      const file = path.join(req.index, hit.segment.path, "d", String(hit.doc));
      const whole = JSON.parse(fs.readFileSync(file + ".json", "utf8"));
      const text = whole.x + (whole.m ? fs.readFileSync(file + ".txt", "utf8") : "");
      out.push({ got: NV.excerpt(table, got.x, terms), want: NV.excerpt(table, text, terms), more: whole.m,
                 fetched: got.x.length > whole.x.length });
    }
    return out;
  }
  if (req.op === "excerpt") { return NV.excerpt(table, req.text, NV.parseQuery(table, req.query), req.size); }
  throw new Error("unknown op " + req.op);
}

const rl = readline.createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on("line", (line) => {
  chain = chain.then(() => answer(JSON.parse(line)))
    .then((res) => process.stdout.write(JSON.stringify({ ok: res }) + "\n"),
          (err) => process.stdout.write(JSON.stringify({ error: String(err && err.stack || err) }) + "\n"));
});
