// Starts Pagefind's bundled UI (served from this site; nothing is loaded from elsewhere).
// Big archives are indexed in shards (pagefind/shards.json lists them, see site/search.py);
// they are merged into the main index here, so one search covers every post.
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") { return; }
  var bundle = box.dataset.bundle;
  function start(shards) {
    var params = new URLSearchParams(window.location.search);
    var merge = shards.map(function (s) { return { bundlePath: bundle + s }; });
    var ui = new PagefindUI({ element: "#search", bundlePath: bundle, mergeIndex: merge,
                              showImages: false, resetStyles: false, autofocus: true });
    var q = params.get("q");
    if (q) { ui.triggerSearch(q); }
  }
  fetch(bundle + "shards.json")
    .then(function (r) { return r.ok ? r.json() : []; })
    .then(function (list) { start(Array.isArray(list) ? list : []); }, function () { start([]); });
});
