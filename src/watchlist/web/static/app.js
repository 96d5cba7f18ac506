/* watchlist web interface: keyboard shortcuts and the alert queue's row selection.
   Every page works without this script; it only adds shortcuts. */
(function () {
  "use strict";

  var PREFIX = "/ui";
  var GO = { s: "/search", a: "/alerts", c: "/changes", n: "/scan", o: "/sources" };
  var pendingG = false;

  // Keys a field would take as text: shortcuts wait while one has focus. A radio button,
  // a check box or a button takes no text, so shortcuts go on working there.
  var NOT_TEXT = { radio: true, checkbox: true, button: true, submit: true, reset: true };

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    if (tag === "INPUT") return !NOT_TEXT[(target.type || "").toLowerCase()];
    return tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function queueRows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr[data-href]"));
  }

  function select(rows, index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("selected", i === index);
      row.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    var link = rows[index].querySelector("a");
    if (link) link.focus({ preventScroll: true });
    rows[index].scrollIntoView({ block: "nearest" });
  }

  function selectedIndex(rows) {
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].classList.contains("selected")) return i;
    }
    return -1;
  }

  // A decision key only chooses the decision: focus stays put, so a second decision key
  // changes the choice rather than becoming text of the reason. `r` (or Tab, right after a
  // decision key) moves into the reason box.
  var decisionChosen = false;

  function decide(value) {
    var form = document.querySelector("form.decide");
    if (!form) return false;
    var radio = form.querySelector('input[name="decision"][value="' + value + '"]');
    if (!radio) return false;
    radio.checked = true;
    decisionChosen = true;
    return true;
  }

  function writeReason() {
    var reason = document.querySelector("form.decide textarea[name=reason]");
    if (!reason) return false;
    decisionChosen = false;
    reason.focus();
    return true;
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) { window.location.href = link.href; return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.tagName === "TEXTAREA") {
      var form = target.form;
      if (form) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
      return;
    }
    if (event.key === "Escape" && typing(target)) { target.blur(); return; }
    if (typing(target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Tab" && !event.shiftKey && decisionChosen) {
      if (writeReason()) event.preventDefault();
      return;
    }
    if (event.key !== "Shift") decisionChosen = decisionChosen && "mfe".indexOf(event.key) >= 0;

    if (pendingG) {
      pendingG = false;
      if (GO[event.key]) { event.preventDefault(); window.location.href = PREFIX + GO[event.key]; }
      return;
    }
    var rows = queueRows();
    var handled = true;
    switch (event.key) {
      case "/": {
        var field = document.querySelector("[data-focus-key='/']") ||
          document.querySelector("main input:not([type=hidden]), main textarea");
        if (field) { field.focus(); if (field.select) field.select(); } else handled = false;
        break;
      }
      case "?": window.location.href = PREFIX + "/help"; break;
      case "g": pendingG = true; break;
      case "j":
        if (rows.length) select(rows, selectedIndex(rows) + 1);
        else handled = follow("a[data-key='j']");
        break;
      case "k":
        if (rows.length) select(rows, Math.max(0, selectedIndex(rows) - 1));
        else handled = follow("a[data-key='k']");
        break;
      case "Enter": {
        var index = selectedIndex(rows);
        if (index >= 0) window.location.href = rows[index].getAttribute("data-href");
        else handled = false;
        break;
      }
      case "x": {
        var at = selectedIndex(rows);
        var box = at >= 0 ? rows[at].querySelector("input[name=alert_id]") : null;
        if (box) { box.checked = !box.checked; countSelected(); } else handled = false;
        break;
      }
      case "m": handled = decide("match"); break;
      case "f": handled = decide("false-positive"); break;
      case "e": handled = decide("escalate"); break;
      case "r": handled = writeReason(); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  // Bulk selection: "select all" ticks the alerts shown; the count follows every tick.
  function pickBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll("table.queue input[name=alert_id]"));
  }

  function countSelected() {
    var n = pickBoxes().filter(function (box) { return box.checked; }).length;
    document.querySelectorAll("[data-selected-count]").forEach(function (label) {
      label.textContent = n ? "(" + n + " selected)" : "(none selected)";
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-all]")) {
      pickBoxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.name === "alert_id" || (target.matches && target.matches("[data-select-all]"))) {
      countSelected();
    }
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("table.queue tbody tr[data-href]");
    if (!row || event.target.closest("a, button, input, label, .pick")) return;
    window.location.href = row.getAttribute("data-href");
  });

  // Focus the page's first field here, when the page is read, rather than with the
  // `autofocus` attribute, which the browser applies at a later frame: a key pressed in
  // between (Escape, "/") would then land in the wrong place.
  // On a phone, a search's results come first: its form folds into one line to reopen.
  var panel = document.querySelector("details[data-collapse-on-phone]");
  if (panel && window.matchMedia && window.matchMedia("(max-width: 48rem)").matches) {
    panel.open = false;
  }

  var first = document.querySelector("[data-autofocus]");
  if (first && document.activeElement === document.body) first.focus();
})();
