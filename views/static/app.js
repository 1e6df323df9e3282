// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-print]");
    if (t) { window.print(); }
    var c = e.target.closest && e.target.closest("[data-confirm]");
    if (c && !window.confirm(c.getAttribute("data-confirm"))) { e.preventDefault(); }
  });
  // Drafting help: copy a similar published answer into the draft.
  document.querySelectorAll("[data-copy-to]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var to = document.getElementById(b.getAttribute("data-copy-to"));
      var from = document.getElementById(b.getAttribute("data-copy-from"));
      if (!to || !from) { return; }
      to.value = to.value ? to.value + "\n\n" + from.value : from.value;
      to.focus();
    });
  });
  var errors = document.getElementById("errors");
  if (errors) { errors.focus(); }

  // Suggest answered questions similar to what the citizen is typing.
  var form = document.querySelector("form[data-similar]");
  if (!form || !window.fetch) { return; }
  var box = document.getElementById("similar");
  var fields = [form.querySelector("#title"), form.querySelector("#content")];
  var timer = null, last = "";
  var lang = document.documentElement.lang;
  function render(hits) {
    box.textContent = "";
    if (!hits.length) { box.hidden = true; return; }
    var p = document.createElement("p");
    p.textContent = lang === "en" ? "These answers may already help you:" : "Có thể câu hỏi của bạn đã được trả lời:";
    var ul = document.createElement("ul");
    hits.slice(0, 5).forEach(function (h) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = h.url; a.textContent = h.title || h.question; a.target = "_blank"; a.rel = "noopener";
      li.appendChild(a); ul.appendChild(li);
    });
    box.appendChild(p); box.appendChild(ul); box.hidden = false;
  }
  function lookup() {
    var q = fields.map(function (f) { return f ? f.value : ""; }).join(" ").trim();
    if (q.length < 12 || q === last) { return; }
    last = q;
    fetch(form.getAttribute("data-similar") + "?per_page=5&q=" + encodeURIComponent(q.slice(0, 300)), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
      .then(function (d) { render(d.hits || []); })
      .catch(function () { /* suggestions are optional */ });
  }
  fields.forEach(function (f) {
    if (f) { f.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 500); }); }
  });
})();
