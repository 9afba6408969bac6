// Every form of the pages, once sent: its buttons disabled and a busy note shown until the
// next page arrives (generation, signing, issuing and verification take seconds to minutes).
// A second click sends nothing twice. The button pressed still goes with the form: the
// buttons are disabled only after the browser has read the form's fields.
(function () {
  "use strict";
  var BUSY = "Đang xử lý, xin vui lòng chờ…";

  function buttons(form) {
    return Array.prototype.slice.call(
      form.querySelectorAll("button, input[type=submit]")
    ).concat(Array.prototype.slice.call(
      document.querySelectorAll('button[form="' + form.id + '"]')
    ));
  }

  function busy(form, submitter) {
    form.setAttribute("aria-busy", "true");
    form.dataset.sent = "1";
    var note = form.querySelector(".busy-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "busy-note";
      note.setAttribute("role", "status");
      (submitter && submitter.parentNode ? submitter.parentNode : form).appendChild(note);
    }
    note.textContent = form.dataset.busyText || BUSY;
    window.setTimeout(function () {
      buttons(form).forEach(function (b) { b.disabled = true; });
    }, 0);
    if (form.hasAttribute("data-download")) {
      // A file comes back, not a page: the form is ready again once the download has begun.
      window.setTimeout(function () { ready(form); }, 5000);
    }
  }

  function ready(form) {
    delete form.dataset.sent;
    form.removeAttribute("aria-busy");
    buttons(form).forEach(function (b) { b.disabled = false; });
    var note = form.querySelector(".busy-note");
    if (note) { note.remove(); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) {
      return;
    }
    if (form.dataset.sent === "1") {
      event.preventDefault();  // already on its way: no double submission
      return;
    }
    busy(form, event.submitter || null);
  });

  // Back to a page kept by the browser (back button): its forms can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    Array.prototype.forEach.call(document.forms, ready);
  });
}());
