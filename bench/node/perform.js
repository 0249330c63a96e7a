// The older system's hourly fetch step, as a benchmark stand-in (not a copy of it):
// read subs.json, fetch and parse every feed at once with rss-parser (no per-host
// limit, no conditional GET), skip items whose link is already in an archived post
// (a substring check over the posts' `from:` lines, as the older system did), and
// write a Jekyll post for each new one. Prints {"wall_s", "feeds", "failed", "new"}.
"use strict";
const fs = require("fs");
const path = require("path");
const Parser = require("rss-parser");

const vault = process.argv[2];
const start = process.hrtime.bigint();
const subs = JSON.parse(fs.readFileSync(path.join(vault, "subs.json"), "utf8"));
const postsDir = path.join(vault, "_posts");
let seen = "";
for (const name of fs.existsSync(postsDir) ? fs.readdirSync(postsDir) : []) {
  const text = fs.readFileSync(path.join(postsDir, name), "utf8");
  const m = text.match(/^from: *(.*)$/m);
  if (m) seen += m[1] + "\n";
}
const parser = new Parser({ timeout: 60000 });

async function one(sub) {
  const feed = await parser.parseURL(sub.url);
  let added = 0;
  for (const item of feed.items) {
    if (!item.link || seen.includes(item.link)) continue;
    const day = new Date(item.isoDate || Date.now()).toISOString().slice(0, 10);
    const name = `${day}-${(item.title || "").slice(0, 50).replace(/\//g, "--")}.md`;
    const body = `---\nlayout: post\ntitle: ${item.title}\ndate: ${item.isoDate}\nfrom: ${item.link}\n` +
      `tags: [ ${sub.site} ]\n---\n<div>\n${item.content || ""}\n</div>\n`;
    fs.writeFileSync(path.join(postsDir, name), body);
    added++;
  }
  return added;
}

Promise.allSettled(subs.map(one)).then((results) => {
  const failed = results.filter((r) => r.status === "rejected");
  const added = results.filter((r) => r.status === "fulfilled").reduce((a, r) => a + r.value, 0);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ wall_s: wall, feeds: subs.length, failed: failed.length,
    errors: failed.slice(0, 3).map((r) => String(r.reason)), new: added }));
});
