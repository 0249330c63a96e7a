// The search page: reads ?q= (and &p=, &sort=), asks search-core.js, draws the results.
// Every URL comes from the data attributes of #search (the site root, the index folder
// and the fold table), so this file has no path of its own. The query box is the one in
// the page header. Nothing is loaded from another host.
(function () {
  "use strict";
  var NV = window.NVSearch;
  var root = document.getElementById("search");
  if (!root || !NV) { return; }
  // Opened from the files: browsers refuse fetch() on file:// URLs, so say what to run.
  if (location.protocol === "file:") {
    var offline = document.getElementById("search-offline");
    if (offline) { offline.hidden = false; }
    root.dataset.state = "offline";
    return;
  }
  var words = JSON.parse(root.dataset.strings || "{}");
  var siteRoot = new URL(root.dataset.root, document.baseURI).href;
  var indexBase = new URL(root.dataset.index, document.baseURI).href;
  var foldUrl = new URL(root.dataset.fold, document.baseURI).href;
  var box = document.getElementById("site-q");
  var form = box && box.form;
  var sortBox = document.getElementById("search-sort");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var pager = document.getElementById("search-pager");
  var run = 0;
  var index = null;
  var pageTitle = document.title;
  var timing = window.nvSearchTiming = { runs: [] };

  function say(name, values) {
    return (words[name] || name).replace(/\{(\w+)\}/g, function (_m, k) { return values && k in values ? values[k] : ""; });
  }
  function load(url, kind) {
    return fetch(url, kind === "manifest" ? { cache: "no-cache" } : {}).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return kind === "bytes" ? r.arrayBuffer() : kind === "text" ? r.text() : r.json();
    });
  }
  function open() {
    if (!index) {
      // the manifest names the fold table's version; a table cached from before is refetched
      index = Promise.all([load(indexBase + "index.json", "manifest"), load(foldUrl, "json")]).then(function (got) {
        var manifest = got[0];
        var table = got[1].version === manifest.fold ? Promise.resolve(got[1])
          : load(foldUrl + "?v=" + encodeURIComponent(manifest.fold), "json");
        return table.then(function (data) {
          var ix = new NV.Index(indexBase, function (url, kind) {
            return url === indexBase + "index.json" ? Promise.resolve(manifest) : load(url, kind);
          }, new NV.Table(data));
          return ix.open().then(function () { return ix; });
        });
      });
      index.catch(function () { index = null; });
    }
    return index;
  }

  function state() {
    var params = new URLSearchParams(location.search);
    return { q: params.get("q") || "", p: Math.max(1, parseInt(params.get("p"), 10) || 1), sort: params.get("sort") || "" };
  }
  function address(s) {
    var params = new URLSearchParams();
    if (s.q) { params.set("q", s.q); }
    if (s.p > 1) { params.set("p", String(s.p)); }
    if (s.sort) { params.set("sort", s.sort); }
    var query = params.toString();
    return location.pathname + (query ? "?" + query : "");
  }

  function marked(parent, text, marks) {
    var at = 0;
    marks.forEach(function (m) {
      if (m[0] > at) { parent.appendChild(document.createTextNode(text.slice(at, m[0]))); }
      var mark = document.createElement("mark");
      mark.textContent = text.slice(m[0], m[1]);
      parent.appendChild(mark);
      at = m[1];
    });
    if (at < text.length) { parent.appendChild(document.createTextNode(text.slice(at))); }
  }

  function item(ix, terms, doc) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = new URL(doc.u, siteRoot).href;
    var title = doc.t || "";
    marked(a, title, NV.matches(ix.table, title, terms));
    li.appendChild(a);
    var meta = document.createElement("span");
    meta.className = "meta";
    var time = document.createElement("time");
    time.dateTime = doc.d;
    time.textContent = doc.d.slice(0, 10);
    meta.appendChild(time);
    meta.appendChild(document.createTextNode(" · " + doc.s));
    li.appendChild(meta);
    var ex = NV.excerpt(ix.table, doc.x || "", terms);
    var p = document.createElement("p");
    p.className = "excerpt";
    if (ex.before) { p.appendChild(document.createTextNode("…")); }
    marked(p, ex.text, ex.marks);
    if (ex.after) { p.appendChild(document.createTextNode("…")); }
    li.appendChild(p);
    return li;
  }

  function pageLink(s, page, label, rel) {
    var a = document.createElement("a");
    a.href = address({ q: s.q, p: page, sort: s.sort });
    a.rel = rel;
    a.textContent = label;
    a.addEventListener("click", function (e) {
      e.preventDefault();
      history.pushState(null, "", a.href);
      show(true);
    });
    return a;
  }

  function drawPager(s, pages) {
    pager.textContent = "";
    pager.hidden = pages < 2;
    if (pages < 2) { return; }
    pager.appendChild(s.p > 1 ? pageLink(s, s.p - 1, "← " + say("prev"), "prev") : document.createElement("span"));
    var where = document.createElement("span");
    where.textContent = say("page", { p: s.p, n: pages });
    pager.appendChild(where);
    pager.appendChild(s.p < pages ? pageLink(s, s.p + 1, say("next") + " →", "next") : document.createElement("span"));
  }

  // Search for what the address says and draw it (``moved``: focus the results after).
  function show(moved) {
    var s = state(), mine = ++run, started = performance.now();
    if (box && box.value !== s.q && document.activeElement !== box) { box.value = s.q; }
    if (sortBox) { sortBox.value = s.sort; }
    document.title = s.q ? s.q + " · " + pageTitle : pageTitle;
    list.textContent = "";
    pager.hidden = true;
    root.dataset.state = "busy";
    if (!s.q.trim()) {
      status.textContent = say("empty");
      root.dataset.state = "done";
      return Promise.resolve();
    }
    status.textContent = say("loading");
    return open().then(function (ix) {
      var terms = NV.parseQuery(ix.table, s.q);
      return ix.search(terms, s.sort).then(function (hits) {
        var pages = Math.max(1, Math.ceil(hits.length / NV.PAGE));
        var page = Math.min(s.p, pages);
        var shown = hits.slice((page - 1) * NV.PAGE, page * NV.PAGE);
        return Promise.all(shown.map(function (h) { return ix.article(h, terms); })).then(function (docs) {
          if (mine !== run) { return; }
          status.textContent = hits.length ? say("results", { n: hits.length }) : say("none", { q: s.q });
          docs.forEach(function (doc) { list.appendChild(item(ix, terms, doc)); });
          drawPager({ q: s.q, p: page, sort: s.sort }, pages);
          timing.runs.push({ q: s.q, ms: performance.now() - started, at: performance.now(), hits: hits.length });
          root.dataset.state = "done";
          if (moved) { list.setAttribute("tabindex", "-1"); list.focus(); }
        });
      });
    }).catch(function (err) {
      if (mine !== run) { return; }
      status.textContent = say("error");
      root.dataset.state = "error";
      if (window.console) { console.warn("search:", err); }
    });
  }

  var typing = null;
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(typing);
      history.pushState(null, "", address({ q: box.value.trim(), p: 1, sort: state().sort }));
      show(false);
    });
    box.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(function () {
        history.replaceState(null, "", address({ q: box.value.trim(), p: 1, sort: state().sort }));
        show(false);
      }, 300);
    });
  }
  if (sortBox) {
    sortBox.addEventListener("change", function () {
      var s = state();
      history.replaceState(null, "", address({ q: s.q, p: 1, sort: sortBox.value }));
      show(false);
    });
  }
  window.addEventListener("popstate", function () { show(false); });
  show(false);
  if (box && !state().q) { box.focus(); }
}());
