// newsvault's search, the reading side: folding, items, queries and the index files.
// The index side is src/newsvault/site/search/ (fold.py is the spec of folding and
// items, encode.py of the files); tests/test_search_js.py runs both over the same
// strings and indexes. No DOM here: search.js draws the page, and node runs this file
// in the tests. Nothing is loaded from another host: every URL is under the index base.
(function (root, factory) {
  if (typeof module === "object" && module.exports) { module.exports = factory(); } else { root.NVSearch = factory(); }
}(typeof self !== "undefined" ? self : this, function () {
  "use strict";
  var SPACE = 0, BREAK = 1, CJK = 2, WORD = 3, IGNORE = 4;
  var H1_SEED = 0x811C9DC5, H1_P = 0x01000193, H2_SEED = 0x9E3779B9, H2_P = 0x5BD1E995;
  var UNIGRAM = 1, PAIR = 2;
  var PAGE = 10;
  var EXCERPT = 160;  // characters of an excerpt

  // --- the fold table (site/static/fold.json) ------------------------------------
  function Table(data) {
    this.version = data.version;
    var from = Array.from(data.from), to = Array.from(data.to);
    this.map = new Map();
    for (var i = 0; i < from.length; i++) { this.map.set(from[i].codePointAt(0), to[i].codePointAt(0)); }
    var runs = data.runs;
    this.starts = [];
    this.classes = [];
    for (var j = 0; j < runs.length; j += 2) { this.starts.push(runs[j]); this.classes.push(runs[j + 1]); }
    this.bmp = new Uint8Array(0x10000);
    for (var k = 0; k < this.starts.length; k++) {
      var a = this.starts[k], b = k + 1 < this.starts.length ? this.starts[k + 1] : 0x110000;
      if (a >= 0x10000) { break; }
      this.bmp.fill(this.classes[k], a, Math.min(b, 0x10000));
    }
  }
  Table.prototype.fold = function (cp) { var f = this.map.get(cp); return f === undefined ? cp : f; };
  Table.prototype.cls = function (cp) {
    if (cp < 0x10000) { return this.bmp[cp]; }
    var lo = 0, hi = this.starts.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (this.starts[mid] <= cp) { lo = mid; } else { hi = mid - 1; } }
    return this.classes[lo];
  };
  Table.prototype.foldText = function (text) {
    var out = "";
    for (var i = 0; i < text.length;) {
      var cp = text.codePointAt(i);
      out += String.fromCodePoint(this.fold(cp));
      i += cp > 0xFFFF ? 2 : 1;
    }
    return out;
  };

  // Items of a text, as fold.items: {kind, text (folded), start, end} (UTF-16 offsets).
  function items(table, text) {
    var out = [], word = "", wordStart = 0, wordEnd = 0, last = SPACE;
    function endWord() { if (word) { out.push({ kind: WORD, text: word, start: wordStart, end: wordEnd }); word = ""; } }
    for (var i = 0; i < text.length;) {
      var cp = text.codePointAt(i), width = cp > 0xFFFF ? 2 : 1;
      var f = table.fold(cp), cls = table.cls(f);
      if (cls !== IGNORE) {
        if (cls === WORD) {
          if (!word) { wordStart = i; }
          word += String.fromCodePoint(f);
          wordEnd = i + width;
        } else {
          endWord();
          if (cls === CJK) {
            out.push({ kind: CJK, text: String.fromCodePoint(f), start: i, end: i + width });
          } else if (cls === BREAK) {
            if (last === BREAK) { out[out.length - 1].end = i + width; } else {
              out.push({ kind: BREAK, text: String.fromCodePoint(f), start: i, end: i + width });
            }
          }
        }
        last = cls;
      }
      i += width;
    }
    endWord();
    return out;
  }

  // --- hashes and keys (fold.token_hash, fold.key) --------------------------------
  function tokenHash(token) {
    var h1 = H1_SEED, h2 = H2_SEED;
    for (var i = 0; i < token.length;) {
      var cp = token.codePointAt(i);
      h1 = (Math.imul(h1, H1_P) + cp) >>> 0;
      h2 = (Math.imul(h2, H2_P) + cp) >>> 0;
      i += cp > 0xFFFF ? 2 : 1;
    }
    return [h1, h2];
  }
  function fmix(h) {
    h ^= h >>> 16; h = Math.imul(h, 0x85EBCA6B); h ^= h >>> 13; h = Math.imul(h, 0xC2B2AE35); h ^= h >>> 16;
    return h >>> 0;
  }
  function key(first, second) {
    var a = tokenHash(first), b = second === undefined ? [0, 0] : tokenHash(second);
    var kind = second === undefined ? UNIGRAM : PAIR;
    return [fmix((Math.imul(a[0], 0x9E3779B1) ^ b[0] ^ kind) >>> 0),
            fmix((Math.imul(a[1], 0x85EBCA77) ^ b[1] ^ (kind << 8)) >>> 0)];
  }

  // --- queries ----------------------------------------------------------------------
  var QUOTES = { "\"": "\"", "\u201C": "\u201D", "\u300C": "\u300D", "\u300E": "\u300F", "\uFF02": "\uFF02" };

  // The terms of a query: each is a run of tokens that must appear in a row; all terms
  // must appear. Spaces separate terms, except inside quotes; punctuation always does.
  function parseQuery(table, query) {
    var chunks = [], i = 0;
    while (i < query.length) {
      var ch = query[i], close = QUOTES[ch];
      if (close !== undefined) {
        var end = query.indexOf(close, i + 1);
        if (end < 0) { end = query.length; }
        chunks.push(query.slice(i + 1, end));
        i = end + 1;
      } else if (/\s/.test(ch)) {
        i++;
      } else {
        var j = i;
        while (j < query.length && !/\s/.test(query[j]) && QUOTES[query[j]] === undefined) { j++; }
        chunks.push(query.slice(i, j));
        i = j;
      }
    }
    var terms = [], seen = new Set();
    chunks.forEach(function (chunk) {
      var run = [];
      items(table, chunk).concat([{ kind: BREAK }]).forEach(function (item) {
        if (item.kind === BREAK) {
          var id = run.map(function (t) { return t.kind + ":" + t.text; }).join(" ");
          if (run.length && !seen.has(id)) { seen.add(id); terms.push(run); }
          run = [];
        } else {
          run.push({ kind: item.kind, text: item.text });
        }
      });
    });
    return terms;
  }

  // What a term needs from the index: keys, with the offset of their first token in the
  // term (see encode.py: words and pairs are positional, CJK characters are counted).
  function plan(term) {
    if (term.length === 1) { return [{ key: key(term[0].text), offset: 0, counted: term[0].kind === CJK }]; }
    var out = [], i = 0;
    while (i < term.length) {
      if (term[i].kind === WORD) {
        out.push({ key: key(term[i].text), offset: i, counted: false });
        i += 1;
      } else if (i + 1 < term.length) {
        out.push({ key: key(term[i].text, term[i + 1].text), offset: i, counted: false });
        i += 2;
      } else {
        out.push({ key: key(term[i - 1].text, term[i].text), offset: i - 1, counted: false });
        i += 1;
      }
    }
    return out;
  }

  // --- the index files ----------------------------------------------------------------
  function varint(bytes, at) {  // [value, next offset]
    var value = 0, shift = 0, b;
    do { b = bytes[at++]; value += (b & 0x7F) * Math.pow(2, shift); shift += 7; } while (b & 0x80);
    return [value, at];
  }

  function Bucket(buffer) {
    var view = new DataView(buffer), n = buffer.byteLength >= 4 ? view.getUint32(0, true) : 0;
    this.view = view; this.n = n; this.bytes = new Uint8Array(buffer);
    this.offsets = new Array(n + 1);
    var at = 4 + 8 * n, total = 0;
    var lengths = new Array(n);
    for (var i = 0; i < n; i++) { var r = varint(this.bytes, at); lengths[i] = r[0]; at = r[1]; }
    this.offsets[0] = at;
    for (var j = 0; j < n; j++) { total += lengths[j]; this.offsets[j + 1] = at + total; }
  }
  Bucket.prototype.find = function (k) {  // [start, end] of the key's postings, or null
    var view = this.view, lo = 0, hi = this.n;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (view.getUint32(4 + 4 * mid, true) < k[0]) { lo = mid + 1; } else { hi = mid; } }
    for (var i = lo; i < this.n && view.getUint32(4 + 4 * i, true) === k[0]; i++) {
      if (view.getUint32(4 + 4 * (this.n + i), true) === k[1]) { return [this.offsets[i], this.offsets[i + 1]]; }
    }
    return null;
  };

  // Postings → Map(article → {count, positions (absent when counted)}).
  function decode(bytes, start, end, counted) {
    var out = new Map(), at = start, doc = 0, r;
    while (at < end) {
      r = varint(bytes, at); doc += r[0]; at = r[1];
      r = varint(bytes, at); var count = r[0]; at = r[1];
      if (counted) { out.set(doc, { count: count }); continue; }
      var positions = new Array(count), p = 0;
      for (var i = 0; i < count; i++) { r = varint(bytes, at); p += r[0]; at = r[1]; positions[i] = p; }
      out.set(doc, { count: count, positions: positions });
    }
    return out;
  }

  function hex8(n) { return ("0000000" + n.toString(16)).slice(-8); }

  // An index at ``base`` (a URL ending in "/"), read with ``load(url, kind)``:
  // kind "json" resolves to the parsed value, "bytes" to an ArrayBuffer.
  function Index(base, load, table) {
    this.base = base; this.load = load; this.table = table;
    this.files = new Map();
    this.buckets = new Map();
    this.manifest = null;
  }
  Index.prototype.open = function () {
    var self = this;
    if (!this.manifest) {
      this.manifest = this.load(this.base + "index.json", "json").then(function (m) {
        m.segments.forEach(function (s) { s.bigKeys = new Set(s.big.map(function (k) { return k[0] + ":" + k[1]; })); });
        return m;
      });
    }
    return this.manifest.then(function (m) { self.body = m.body; return m; });
  };
  Index.prototype.file = function (url) {
    var got = this.files.get(url);
    if (!got) { got = this.load(url, "bytes"); this.files.set(url, got); }
    return got;
  };
  // The postings of key ``k`` in segment ``seg``.
  Index.prototype.postings = function (seg, k, counted) {
    var url;
    if (seg.bigKeys.has(k[0] + ":" + k[1])) {
      url = this.base + seg.path + "k" + hex8(k[0]) + hex8(k[1]) + ".bin";
      return this.file(url).then(function (buffer) {
        var bytes = new Uint8Array(buffer);
        return decode(bytes, 0, bytes.length, counted);
      });
    }
    url = this.base + seg.path + "b/" + (seg.bits ? k[0] >>> (32 - seg.bits) : 0) + ".bin";
    var bucket = this.buckets.get(url);
    if (!bucket) {
      bucket = this.file(url).then(function (buffer) { return new Bucket(buffer); });
      this.buckets.set(url, bucket);
    }
    return bucket.then(function (b) {
      var found = b.find(k);
      return found ? decode(b.bytes, found[0], found[1], counted) : new Map();
    });
  };

  // Articles of a segment that hold a term: Map(article → {count, title}).
  function matchTerm(lists, needs, body) {
    var out = new Map();
    if (needs.length === 1) {
      lists[0].forEach(function (p, doc) {
        out.set(doc, { count: p.count, title: p.positions ? p.positions[0] - needs[0].offset < body : false });
      });
      return out;
    }
    var order = lists.map(function (_l, i) { return i; }).sort(function (a, b) { return lists[a].size - lists[b].size; });
    var rarest = lists[order[0]];
    rarest.forEach(function (p, doc) {
      var others = [];
      for (var j = 1; j < order.length; j++) {
        var q = lists[order[j]].get(doc);
        if (!q) { return; }
        others.push([new Set(q.positions), needs[order[j]].offset]);
      }
      var count = 0, title = false, own = needs[order[0]].offset;
      p.positions.forEach(function (pos) {
        var s = pos - own;
        if (s < 0) { return; }
        for (var k = 0; k < others.length; k++) { if (!others[k][0].has(s + others[k][1])) { return; } }
        count++;
        if (s < body) { title = true; }
      });
      if (count) { out.set(doc, { count: count, title: title }); }
    });
    return out;
  }

  // All articles holding every term, best first (or newest first with sort "date"):
  // [{segment, doc (its number there), ordinal (in the whole archive), score}].
  Index.prototype.search = function (terms, sort) {
    var self = this;
    if (!terms.length) { return Promise.resolve([]); }
    var needs = terms.map(plan);
    return this.open().then(function (m) {
      return Promise.all(m.segments.map(function (seg) {
        return Promise.all(needs.map(function (termNeeds) {
          return Promise.all(termNeeds.map(function (need) { return self.postings(seg, need.key, need.counted); }))
            .then(function (lists) { return matchTerm(lists, termNeeds, m.body); });
        })).then(function (perTerm) {
          var hits = [];
          perTerm[0].forEach(function (first, doc) {
            var score = 0;
            for (var t = 0; t < perTerm.length; t++) {
              var h = perTerm[t].get(doc);
              if (!h) { return; }
              score += Math.log(1 + h.count) + (h.title ? 5 : 0);
            }
            hits.push({ segment: seg, doc: doc, ordinal: seg.start + doc, score: score });
          });
          return hits;
        });
      }));
    }).then(function (bySegment) {
      var hits = [].concat.apply([], bySegment);
      hits.sort(sort === "date" ? function (a, b) { return b.ordinal - a.ordinal; }
        : function (a, b) { return b.score - a.score || b.ordinal - a.ordinal; });
      return hits;
    });
  };
  // An article's record: {u (URL under the site root), t (title), d (date), s (source),
  // x (text)}. The record file holds the text's start and says whether there is more
  // (m); the rest (d/<n>.txt) is fetched only when the excerpt of ``terms`` needs it, so a
  // query loads a few kilobytes per result, not whole articles. Without ``terms``: the
  // record alone (x then holds the text's start only, if m).
  Index.prototype.article = function (hit, terms) {
    var self = this, url = this.base + hit.segment.path + "d/" + hit.doc;
    return this.load(url + ".json", "json").then(function (doc) {
      if (!doc.m || !terms || startSuffices(self.table, doc.x, terms)) { return doc; }
      return self.load(url + ".txt", "text").then(function (rest) {
        doc.x += rest;
        doc.m = 0;
        return doc;
      });
    });
  };

  // --- excerpts ---------------------------------------------------------------------
  // Spans [start, end] of ``text`` where a term matches (same reading as the index).
  function matches(table, text, terms) {
    var its = items(table, text), spans = [];
    terms.forEach(function (term) {
      for (var i = 0; i + term.length <= its.length; i++) {
        var ok = true;
        for (var j = 0; j < term.length && ok; j++) { ok = its[i + j].kind === term[j].kind && its[i + j].text === term[j].text; }
        if (ok) { spans.push([its[i].start, its[i + term.length - 1].end]); }
      }
    });
    spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    spans.forEach(function (s) {
      var last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) { last[1] = Math.max(last[1], s[1]); } else { merged.push(s.slice()); }
    });
    return merged;
  }

  // Where the excerpt of ``text`` starts and ends, given its match spans.
  function window_(text, spans, size) {
    var first = spans.length ? spans[0][0] : 0;
    var start = Math.max(0, first - Math.floor(size / 4));
    var lineStart = text.lastIndexOf("\n", first - 1) + 1;
    if (lineStart > start) { start = lineStart; }  // from the paragraph's start when it is near
    var end = Math.min(text.length, start + size);
    var nl = text.indexOf("\n", first);
    if (nl > first && nl < end && nl - start > size / 2) { end = nl; }
    return [start, end];
  }

  // A piece of ``text`` around its first match: {text, marks (spans in it), before, after}.
  function excerpt(table, text, terms, size) {
    size = size || EXCERPT;
    var spans = matches(table, text, terms);
    var w = window_(text, spans, size), start = w[0], end = w[1];
    if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start])) { start--; }
    if (end < text.length && /[\uDC00-\uDFFF]/.test(text[end])) { end++; }
    var marks = spans.filter(function (s) { return s[1] > start && s[0] < end; })
      .map(function (s) { return [Math.max(s[0], start) - start, Math.min(s[1], end) - start]; });
    return { text: text.slice(start, end).replace(/\n/g, " "), marks: marks, before: start > 0, after: end < text.length };
  }

  // Whether the start of a text gives the excerpt the whole text gives: its first match
  // is in it, and so are the excerpt and every match that could reach into it (a match
  // is at most a few characters per query character long; the margin is ample).
  function startSuffices(table, start, terms) {
    var spans = matches(table, start, terms);
    if (!spans.length) { return false; }
    var longest = 0;
    terms.forEach(function (term) { term.forEach(function (t) { longest += t.text.length + 1; }); });
    return window_(start, spans, EXCERPT)[1] + 64 + 4 * longest < start.length;
  }

  return { SPACE: SPACE, BREAK: BREAK, CJK: CJK, WORD: WORD, IGNORE: IGNORE, PAGE: PAGE,
           Table: Table, items: items, tokenHash: tokenHash, key: key, parseQuery: parseQuery, plan: plan,
           Index: Index, matches: matches, excerpt: excerpt,
           startSuffices: startSuffices };
}));
