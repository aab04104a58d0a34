// emlib site: a "hide code / show code" toggle in the header of every page with code cells.
// The choice is kept in localStorage, so it holds while reading from page to page.
(function () {
  "use strict";
  var KEY = "emlib-hide-code";
  function stored() { try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; } }
  function store(hidden) { try { localStorage.setItem(KEY, hidden ? "1" : "0"); } catch (e) { /* file:// */ } }
  function apply(hidden, button) {
    document.body.classList.toggle("emlib-hide-code", hidden);
    if (button) {
      button.textContent = hidden ? "Show code" : "Hide code";
      button.setAttribute("aria-pressed", hidden ? "true" : "false");
      button.title = hidden ? "Show the code cells (outputs stay visible)" : "Hide the code cells (outputs stay visible)";
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("div.cell_input")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm emlib-code-toggle";
    button.id = "emlib-code-toggle";
    var place = document.querySelector(".article-header-buttons") || document.querySelector("article") || document.body;
    place.insertBefore(button, place.firstChild);
    apply(stored(), button);
    button.addEventListener("click", function () {
      var hidden = !document.body.classList.contains("emlib-hide-code");
      store(hidden);
      apply(hidden, button);
    });
  });
})();

// emlib site: a section whose heading starts with "Appendix" (the bookkeeping: coverage and check tables)
// is folded by default behind a "Show" button; a link into it (an erratum's link to a check, the outline)
// unfolds it.
(function () {
  "use strict";
  var APPENDIX = /^\s*(?:[\dA-Z]+[.)]?\s+)?appendix\b/i;
  function setFolded(section, folded) {
    section.classList.toggle("emlib-folded", folded);
    var button = section.querySelector(":scope > .emlib-fold-toggle");
    if (button) {
      button.textContent = folded ? "Show the appendix" : "Hide the appendix";
      button.setAttribute("aria-expanded", folded ? "false" : "true");
    }
  }
  function unfoldTarget() {
    if (!location.hash) { return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var section = target && target.closest(".emlib-foldable");
    if (section && section.classList.contains("emlib-folded")) {
      setFolded(section, false);
      target.scrollIntoView();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var sections = document.querySelectorAll("article section");
    Array.prototype.forEach.call(sections, function (section) {
      var heading = section.querySelector(":scope > h2, :scope > h3");
      if (!heading || !APPENDIX.test(heading.textContent)) { return; }
      section.classList.add("emlib-foldable");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm emlib-fold-toggle";
      heading.insertAdjacentElement("afterend", button);
      button.addEventListener("click", function () {
        setFolded(section, !section.classList.contains("emlib-folded"));
      });
      setFolded(section, true);
    });
    unfoldTarget();
  });
  window.addEventListener("hashchange", unfoldTarget);
})();

// emlib site: the text around each search hit. Sphinx's search page fetches each hit's page to cut the text
// around the search words out of it, which a browser refuses for a site opened from file://. The build writes
// the text of every searchable page into _static/emlib_search_text.js (loaded by the search page only, its
// formulas in plain characters); Sphinx's fetch of a page is answered from it, from file:// and http alike.
(function () {
  "use strict";
  if (!window.fetch || !window.Response || !document.querySelector('script[src*="emlib_search_text.js"]')) { return; }
  var realFetch = window.fetch.bind(window);
  window.fetch = function (resource, options) {
    var texts = window.EMLIB_SEARCH_TEXT || {};  // (its script comes after this one)
    var root = document.documentElement.dataset.content_root || "";
    var url = typeof resource === "string" ? resource : "";
    if (url.indexOf(root) === 0 && /\.html$/.test(url)) {
      var docname = decodeURIComponent(url.slice(root.length, -".html".length));
      if (Object.prototype.hasOwnProperty.call(texts, docname)) {
        return Promise.resolve(new Response(texts[docname], {status: 200, headers: {"Content-Type": "text/html"}}));
      }
    }
    return realFetch(resource, options);
  };
})();

// emlib site: a link to the explanation of a check may land just before a folded box ("What the notes print",
// a <details> element): open the box it lands on.
(function () {
  "use strict";
  function openTarget() {
    if (!location.hash) { return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) { return; }
    var box = target.closest("details");
    for (var next = target.closest(".emlib-anchor") || target; !box && next && next.classList && next.classList.contains("emlib-anchor"); next = next.nextElementSibling) {
      if (next.nextElementSibling && next.nextElementSibling.tagName === "DETAILS") { box = next.nextElementSibling; }
    }
    if (box && !box.open) { box.open = true; target.scrollIntoView(); }
  }
  document.addEventListener("DOMContentLoaded", openTarget);
  window.addEventListener("hashchange", openTarget);
})();
