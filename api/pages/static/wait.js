// The remote signing page while the signer confirms on their phone: every few seconds it asks
// the service again, in the background, and shows the answer only once it has changed. A
// page that refreshed itself (<meta http-equiv="refresh">) would move the reader's focus and
// restart a screen reader each time (WCAG 2.2.1); without scripts the page offers a link.
(function () {
  "use strict";
  var card = document.querySelector("[data-wait]");
  if (!card || !window.fetch) {
    return;
  }
  var seconds = Number(card.getAttribute("data-wait")) || 2;
  function look() {
    window.fetch(window.location.href, { credentials: "same-origin" })
      .then(function (answer) { return answer.text(); })
      .then(function (html) {
        if (html.indexOf("data-wait=") === -1) {
          window.location.reload();
        } else {
          window.setTimeout(look, seconds * 1000);
        }
      })
      .catch(function () { window.setTimeout(look, seconds * 1000); });
  }
  window.setTimeout(look, seconds * 1000);
})();
