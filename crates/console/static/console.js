// Cordon console: the little the pages need beyond HTML. Every page works
// without it; with it, times show in the browser's time zone, filter
// forms send the time zone, "select all" works, destructive forms ask
// first, and the policy editor checks the draft as you type.
"use strict";
(function () {
  function localTimes() {
    document.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) {
        t.textContent = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
        t.title = t.getAttribute("datetime");
      }
    });
  }
  function timeZones() {
    document.querySelectorAll("input[data-tz]").forEach(function (i) {
      i.value = String(new Date().getTimezoneOffset());
    });
  }
  function selectAll() {
    document.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var name = box.getAttribute("data-select-all");
        box.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) {
          c.checked = box.checked;
        });
      });
    });
  }
  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
  }
  function liveValidation() {
    var area = document.querySelector("textarea[data-validate]");
    if (!area || area.readOnly) { return; }
    var out = document.getElementById("live");
    var csrf = area.form.querySelector('input[name="csrf"]');
    var timer = null, seq = 0;
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++seq;
        var body = new URLSearchParams();
        body.set("csrf", csrf ? csrf.value : "");
        body.set("body", area.value);
        fetch(area.getAttribute("data-validate"), {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded" }
        }).then(function (r) { return r.text(); }).then(function (html) {
          if (mine === seq) { out.innerHTML = html; }
        }).catch(function () {});
      }, 400);
    });
  }
  function focusProblems() {
    var p = document.getElementById("problems");
    if (p) { p.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(); timeZones(); selectAll(); confirmations(); liveValidation(); focusProblems();
  });
})();
