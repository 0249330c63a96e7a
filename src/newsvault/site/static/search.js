// Starts Pagefind's bundled UI (served from this site; nothing is loaded from elsewhere).
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") { return; }
  var params = new URLSearchParams(window.location.search);
  var ui = new PagefindUI({ element: "#search", bundlePath: box.dataset.bundle,
                            showImages: false, resetStyles: false, autofocus: true });
  var q = params.get("q");
  if (q) { ui.triggerSearch(q); }
});
