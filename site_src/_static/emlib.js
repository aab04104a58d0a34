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
