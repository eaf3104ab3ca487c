// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  function reveal(root) {
    // Show a dependent field only when its controlling radio says "yes" (WorkForm), or
    // one of the values in data-show-values (FiledForm).
    root.querySelectorAll("[data-show-when]").forEach(function (box) {
      var name = box.getAttribute("data-show-when");
      var values = (box.getAttribute("data-show-values") || "yes").split(" ");
      var form = box.closest("form");
      if (!form) return;
      var update = function () {
        var on = form.querySelector('input[name="' + name + '"]:checked');
        box.hidden = !(on && values.indexOf(on.value) >= 0);
      };
      form.querySelectorAll('input[name="' + name + '"]').forEach(function (r) {
        r.addEventListener("change", update);
      });
      update();
    });
    // A need-by date shows beside a ticked service only; while hidden it is disabled, so a
    // date left in an unticked service is not sent (NeedsForm).
    root.querySelectorAll("[data-show-if-checked]").forEach(function (box) {
      var box_for = document.getElementById(box.getAttribute("data-show-if-checked"));
      if (!box_for) return;
      var update = function () {
        box.hidden = !box_for.checked;
        box.querySelectorAll("input").forEach(function (i) { i.disabled = box.hidden; });
      };
      box_for.addEventListener("change", update);
      update();
    });
  }
  function countdown(root) {
    var wait = root.querySelector("#resend-wait");
    var button = root.querySelector("[data-resend]");
    if (!wait || !button) return;
    var left = parseInt(wait.getAttribute("data-wait") || "0", 10);
    var en = document.documentElement.lang === "en";
    var tick = function () {
      if (left <= 0) { button.disabled = false; wait.textContent = ""; return; }
      button.disabled = true;
      wait.textContent = en ? "You can ask for a new code in " + left + " s" : left + "秒后可重新发送";
      left -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  }
  function focusHeading(root) {
    // After an htmx swap, move focus to the error summary or the question (screen readers
    // then announce the new page, as on a full load).
    var target = root.querySelector(".error-summary") || root.querySelector("h1");
    if (target) target.focus();
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); countdown(document); });
  document.addEventListener("htmx:afterSettle", function () {
    reveal(document); countdown(document); focusHeading(document); window.scrollTo(0, 0);
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
